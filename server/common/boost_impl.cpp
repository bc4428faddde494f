// The one translation unit that compiles Boost.Asio (with SSL), Beast, JSON and URL.
// Everything else is built with *_SEPARATE_COMPILATION and only sees declarations, which
// keeps every other file's compile time down.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
