// Preloaded into the Portkey gateway (node --require) by bench/passthrough. Two shims, both
// printed in the bench's output:
//
// 1. Loopback only. start-server.js calls server.listen(port, undefined, cb), which binds
//    every interface; the bench keeps every server on 127.0.0.1.
//
// 2. Mutable response headers. On Node, Portkey 1.15.2 answers a streamed /v1/messages with
//    500 {"status":"failure","message":"Something went wrong"} and logs
//    "TypeError: immutable ... at ru.updateHeaders": it appends x-portkey-* headers to the
//    upstream fetch() Response, whose headers are immutable per the fetch spec (the class of
//    Portkey-AI/gateway issues #1389 and #1550). Re-wrapping each fetch() result in a new
//    Response (same body stream, status and headers) makes its headers mutable; nothing else
//    changes. Pinning @hono/node-server 1.14.2 (the workaround in #1389) does not fix this path.
const net = require("net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number") {
    if (args.length === 1 || args[1] === undefined || args[1] === null) args[1] = "127.0.0.1";
    else if (typeof args[1] === "function") args.splice(1, 0, "127.0.0.1");
  }
  return listen.apply(this, args);
};

const realFetch = globalThis.fetch;
const RealResponse = globalThis.Response;
globalThis.fetch = async (...args) => {
  const response = await realFetch(...args);
  return new RealResponse(response.body, response);
};
