// The fake's resource routes without sockets: Message Batches, the Files beta, the
// sessions beta and the multipart parser the upload needs (issue 11: an SDK pointed at
// the gateway reaches them upstream).

#include "fake/agent_sessions_api.hpp"
#include "fake/batches_api.hpp"
#include "fake/files_api.hpp"
#include "server/http/multipart_parser.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <sstream>

namespace gw::fake {
namespace {

namespace json = boost::json;
namespace http = boost::beast::http;

// One request; the strings it points into live in the test.
ResourceRequest req(http::verb method, std::string_view path, std::string_view body = {},
                    std::string_view query = {}) {
  return {method, path, query, body, "application/json", "", "https://fake.test", "req_t"};
}

json::object object(const Reply& r) {
  return json::parse(r.body).as_object();
}

std::string str(const json::value& v) {
  return std::string(v.as_string());
}

constexpr std::string_view kTwoRequests = R"({"requests":[
  {"custom_id":"a","params":{"model":"claude-sonnet-4-5","max_tokens":32,
    "messages":[{"role":"user","content":"Hello"}]}},
  {"custom_id":"b","params":{"model":"claude-sonnet-4-5","max_tokens":32,"messages":[]}}]})";

TEST(FakeBatches, CreateRetrieveResultsAndDelete) {
  BatchesApi api;
  FakeSettings settings;
  auto created = api.handle(req(http::verb::post, "/v1/messages/batches", kTwoRequests), settings);
  ASSERT_EQ(created.status, 200u) << created.body;
  auto b = object(created);
  const std::string id = str(b["id"]);
  EXPECT_TRUE(id.starts_with("msgbatch_")) << id;
  EXPECT_EQ(str(b["type"]), "message_batch");
  EXPECT_EQ(str(b["processing_status"]), "in_progress");
  EXPECT_EQ(b["request_counts"].at("processing"), 2);
  EXPECT_TRUE(b["results_url"].is_null());

  // Deleting a batch still processing is refused; so are results.
  EXPECT_EQ(api.handle(req(http::verb::delete_, "/v1/messages/batches/" + id), settings).status,
            400u);
  const std::string results_path = "/v1/messages/batches/" + id + "/results";
  EXPECT_EQ(api.handle(req(http::verb::get, results_path), settings).status, 400u);

  const std::string path = "/v1/messages/batches/" + id;
  auto got = object(api.handle(req(http::verb::get, path), settings));
  EXPECT_EQ(str(got["processing_status"]), "ended");
  EXPECT_EQ(got["request_counts"].at("succeeded"), 1);
  EXPECT_EQ(got["request_counts"].at("errored"), 1);  // empty messages: upstream's 400
  EXPECT_EQ(str(got["results_url"]), "https://fake.test" + results_path);

  auto results = api.handle(req(http::verb::get, results_path), settings);
  ASSERT_EQ(results.status, 200u);
  EXPECT_EQ(results.content_type, "application/binary");
  std::istringstream lines(results.body);
  std::string line;
  std::vector<json::object> parsed;
  while (std::getline(lines, line)) parsed.push_back(json::parse(line).as_object());
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(str(parsed[0]["custom_id"]), "a");
  EXPECT_EQ(str(parsed[0]["result"].at("type")), "succeeded");
  EXPECT_EQ(str(parsed[0]["result"].at("message").at("type")), "message");
  EXPECT_EQ(str(parsed[1]["result"].at("type")), "errored");
  EXPECT_EQ(str(parsed[1]["result"].at("error").at("error").at("type")), "invalid_request_error");

  auto deleted = object(api.handle(req(http::verb::delete_, path), settings));
  EXPECT_EQ(str(deleted["type"]), "message_batch_deleted");
  EXPECT_EQ(api.handle(req(http::verb::get, path), settings).status, 404u);
}

TEST(FakeBatches, CancelBeforeProcessingEndsEveryRequestCanceled) {
  BatchesApi api;
  FakeSettings settings;
  auto id = str(object(
      api.handle(req(http::verb::post, "/v1/messages/batches", kTwoRequests), settings))["id"]);
  auto canceling =
      object(api.handle(req(http::verb::post, "/v1/messages/batches/" + id + "/cancel"), settings));
  EXPECT_EQ(str(canceling["processing_status"]), "canceling");
  EXPECT_TRUE(canceling["cancel_initiated_at"].is_string());
  auto ended = object(api.handle(req(http::verb::get, "/v1/messages/batches/" + id), settings));
  EXPECT_EQ(ended["request_counts"].at("canceled"), 2);
}

TEST(FakeBatches, BadBodiesAndListPaging) {
  BatchesApi api;
  FakeSettings settings;
  for (std::string_view bad :
       {"{", R"({"requests":[]})", R"({"requests":[{"custom_id":"a"}]})",
        R"({"requests":[{"custom_id":"a","params":{}},{"custom_id":"a","params":{}}]})"}) {
    auto r = api.handle(req(http::verb::post, "/v1/messages/batches", bad), settings);
    EXPECT_EQ(r.status, 400u) << bad;
  }
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(str(object(
        api.handle(req(http::verb::post, "/v1/messages/batches", kTwoRequests), settings))["id"]));
  }
  auto page =
      object(api.handle(req(http::verb::get, "/v1/messages/batches", {}, "limit=2"), settings));
  ASSERT_EQ(page["data"].as_array().size(), 2u);
  EXPECT_EQ(str(page["first_id"]), ids[2]);  // newest first
  EXPECT_EQ(str(page["last_id"]), ids[1]);
  EXPECT_EQ(page["has_more"], true);
  auto rest = object(api.handle(
      req(http::verb::get, "/v1/messages/batches", {}, "limit=2&after_id=" + ids[1]), settings));
  ASSERT_EQ(rest["data"].as_array().size(), 1u);
  EXPECT_EQ(rest["has_more"], false);
  EXPECT_EQ(api.handle(req(http::verb::put, "/v1/messages/batches"), settings).status, 405u);
}

std::string form(std::string_view boundary, std::string_view filename, std::string_view type,
                 std::string_view bytes) {
  std::string out = "--" + std::string(boundary) + "\r\n";
  out += "Content-Disposition: form-data; name=\"file\"; filename=\"" + std::string(filename) +
         "\"\r\nContent-Type: " + std::string(type) + "\r\n\r\n";
  out += bytes;
  out += "\r\n--" + std::string(boundary) + "--\r\n";
  return out;
}

// The Files API's upload, as the SDKs send it, through the parser the fake shares with the
// gateway.
TEST(FakeMultipart, PartsWithNamesFilenamesAndBinaryBytes) {
  const std::string bytes("a\0b\r\n--not-the-boundary\r\nz", 26);
  const std::string body = form("XyZ", "data.bin", "application/octet-stream", bytes);
  auto parsed = parse_multipart("multipart/form-data; boundary=XyZ", body);
  auto* parts = std::get_if<std::vector<FormPart>>(&parsed);
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].name, "file");
  EXPECT_EQ((*parts)[0].filename, "data.bin");
  EXPECT_EQ((*parts)[0].content_type, "application/octet-stream");
  EXPECT_EQ((*parts)[0].data, bytes);
  auto parses = [&](std::string_view type, std::string_view b) {
    return std::holds_alternative<std::vector<FormPart>>(parse_multipart(type, b));
  };
  EXPECT_TRUE(parses("multipart/form-data; boundary=\"XyZ\"", body));
  EXPECT_FALSE(parses("application/json", body));
  EXPECT_FALSE(parses("multipart/form-data", body));
  EXPECT_FALSE(parses("multipart/form-data; boundary=XyZ",
                      std::string_view(body).substr(0, body.size() - 10)));  // no closing
}

TEST(FakeFiles, UploadListDownloadDelete) {
  FilesApi api;
  const std::string bytes("\x89PNG\0\x01\x02", 7);
  const std::string body = form("b0undary", "pic.png", "image/png", bytes);
  ResourceRequest up = req(http::verb::post, "/v1/files", body);
  up.content_type = "multipart/form-data; boundary=b0undary";
  auto created = api.handle(up);
  ASSERT_EQ(created.status, 200u) << created.body;
  auto f = object(created);
  const std::string id = str(f["id"]);
  EXPECT_TRUE(id.starts_with("file_"));
  EXPECT_EQ(str(f["type"]), "file");
  EXPECT_EQ(str(f["filename"]), "pic.png");
  EXPECT_EQ(str(f["mime_type"]), "image/png");
  EXPECT_EQ(f["size_bytes"], 7);

  auto list = object(api.handle(req(http::verb::get, "/v1/files")));
  ASSERT_EQ(list["data"].as_array().size(), 1u);
  EXPECT_EQ(str(list["data"].as_array()[0].at("id")), id);
  EXPECT_EQ(object(api.handle(req(http::verb::get, "/v1/files/" + id)))["size_bytes"], 7);
  auto content = api.handle(req(http::verb::get, "/v1/files/" + id + "/content"));
  ASSERT_EQ(content.status, 200u);
  EXPECT_EQ(content.body, bytes);
  EXPECT_EQ(content.content_type, "image/png");

  EXPECT_EQ(str(object(api.handle(req(http::verb::delete_, "/v1/files/" + id)))["type"]),
            "file_deleted");
  EXPECT_EQ(api.handle(req(http::verb::get, "/v1/files/" + id)).status, 404u);
  EXPECT_EQ(api.handle(req(http::verb::post, "/v1/files", "{}")).status, 400u);  // not a form
}

TEST(FakeAgentSessions, CreateListRetrieveDeleteWithTheBetaHeader) {
  AgentSessionsApi api;
  const std::string_view body = R"({"agent":"agent_1","environment_id":"env_1"})";
  EXPECT_EQ(api.handle(req(http::verb::post, "/v1/sessions", body)).status, 400u);  // no beta
  auto beta = [](ResourceRequest r) {
    r.anthropic_beta = "managed-agents-2026-04-01";
    return r;
  };
  auto created = api.handle(beta(req(http::verb::post, "/v1/sessions", body)));
  ASSERT_EQ(created.status, 200u) << created.body;
  auto s = object(created);
  const std::string id = str(s["id"]);
  EXPECT_TRUE(id.starts_with("sesn_"));
  EXPECT_EQ(str(s["type"]), "session");
  EXPECT_EQ(str(s["status"]), "idle");
  EXPECT_EQ(str(s["agent"].at("id")), "agent_1");
  EXPECT_EQ(str(s["environment_id"]), "env_1");

  auto list = object(api.handle(beta(req(http::verb::get, "/v1/sessions"))));
  ASSERT_EQ(list["data"].as_array().size(), 1u);
  EXPECT_TRUE(list["next_page"].is_null());
  EXPECT_EQ(str(object(api.handle(beta(req(http::verb::get, "/v1/sessions/" + id))))["id"]), id);
  EXPECT_EQ(str(object(api.handle(beta(req(http::verb::delete_, "/v1/sessions/" + id))))["type"]),
            "session_deleted");
  EXPECT_EQ(api.handle(beta(req(http::verb::get, "/v1/sessions/" + id))).status, 404u);
  EXPECT_EQ(api.handle(beta(req(http::verb::post, "/v1/sessions", R"({"agent":"a"})"))).status,
            400u);
}

}  // namespace
}  // namespace gw::fake
