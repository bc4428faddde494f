#pragma once

#include "server/common/api_error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace gw {

// The message of a parse result that must be a 400 invalid_request_error; a test failure
// (and an empty message) when it is anything else.
template <class T>
std::string invalid_request_message(const std::variant<T, ApiError>& r) {
  if (const auto* e = std::get_if<ApiError>(&r)) {
    EXPECT_EQ(e->status, boost::beast::http::status::bad_request);
    EXPECT_EQ(e->type, "invalid_request_error");
    return e->message;
  }
  ADD_FAILURE() << "expected an error";
  return {};
}

}  // namespace gw
