#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

namespace gw {

// Paces an accept loop whose accept() fails (out of descriptors, out of memory): the
// connection stays in the backlog and accept() would fail again at once, so spinning on it
// burns a core and floods the log. Waits double from `first` to `most`; a log line is due
// at most once per `log_every`, carrying how many failures it stands for. The clock is
// passed in, so it is tested without time passing.
class AcceptBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  using Millis = std::chrono::milliseconds;

  AcceptBackoff(Millis first = Millis(10), Millis most = Millis(1000),
                Millis log_every = Millis(1000))
      : first_(first), most_(most), log_every_(log_every) {}

  struct Failure {
    Millis wait;                     // before the next accept
    std::optional<std::size_t> log;  // set: log now, for this many failures
  };

  Failure failed(Clock::time_point now) {
    next_ = next_.count() == 0 ? first_ : std::min(most_, next_ * 2);
    ++unlogged_;
    Failure f{next_, std::nullopt};
    if (!last_log_ || now - *last_log_ >= log_every_) {
      last_log_ = now;
      f.log = unlogged_;
      unlogged_ = 0;
    }
    return f;
  }

  void succeeded() { next_ = Millis(0); }

 private:
  Millis first_, most_, log_every_;
  Millis next_{0};
  std::size_t unlogged_ = 0;
  std::optional<Clock::time_point> last_log_;
};

}  // namespace gw
