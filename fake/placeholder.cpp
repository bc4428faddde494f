// removed once the fake lands
