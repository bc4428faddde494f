#pragma once

// The Files API beta (`/v1/files`), as upstream answers it: upload (multipart/form-data
// with a `file` part), list, metadata, content (the bytes as uploaded) and delete. Files
// are kept in memory until reset.

#include "fake/resource_api.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

namespace gw::fake {

class FilesApi {
 public:
  Reply handle(const ResourceRequest& request);
  void clear();

 private:
  struct File {
    std::string id;
    std::string filename;
    std::string mime_type;
    std::string bytes;
    std::chrono::system_clock::time_point created_at;
  };

  Reply upload(const ResourceRequest& r);
  Reply list(const ResourceRequest& r);
  static std::string to_json(const File& f);

  std::mutex mutex_;
  std::vector<File> files_;  // oldest first
};

}  // namespace gw::fake
