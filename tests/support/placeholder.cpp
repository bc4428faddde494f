// test_support needs at least one source until the helpers land.
