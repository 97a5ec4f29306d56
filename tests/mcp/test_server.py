#!/usr/bin/env python3
"""A small MCP server over stdio for the plugin tests: it misbehaves on request.

Options:
  --era legacy|modern|silent-probe|exit-on-probe
      legacy: server/discover gets -32601 and `initialize` is required.
      modern: 2026-07-28 only; every request must carry _meta with the version.
      silent-probe: legacy, but server/discover gets no answer at all.
      exit-on-probe: legacy, but the process exits when it sees server/discover.
  --fail-start     print an error to stderr and exit 2 at once.
  --page-size N    tools/list returns N tools per page (cursor / nextCursor).
  --bad-names      also list tools whose names do not fit [a-zA-Z0-9_-].
"""
import argparse
import json
import os
import sys
import time

MODERN = "2026-07-28"
LEGACY = "2025-11-25"

parser = argparse.ArgumentParser()
parser.add_argument("--era", default="legacy")
parser.add_argument("--fail-start", action="store_true")
parser.add_argument("--page-size", type=int, default=100)
parser.add_argument("--bad-names", action="store_true")
opts = parser.parse_args()

if opts.fail_start:
    sys.stderr.write("test_server: cannot open /nonexistent/config.json\n")
    sys.exit(2)

OBJ = {"type": "object"}
TOOLS = [
    {"name": "echo", "description": "Echoes text.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}},
                     "required": ["text"]}},
    {"name": "crash", "description": "Exits in the middle of the call.", "inputSchema": OBJ},
    {"name": "hang", "description": "Never answers.", "inputSchema": OBJ},
    {"name": "slow", "description": "Answers after ms milliseconds.",
     "inputSchema": {"type": "object", "properties": {"ms": {"type": "integer"}}}},
    {"name": "garbage", "description": "Sends malformed messages, then the answer.",
     "inputSchema": OBJ},
    {"name": "both", "description": "Answers with both result and error.", "inputSchema": OBJ},
    {"name": "giant", "description": "Answers with a text of n bytes.",
     "inputSchema": {"type": "object", "properties": {"n": {"type": "integer"}}}},
    {"name": "fail", "description": "Reports isError.", "inputSchema": OBJ},
    {"name": "rpc_error", "description": "Answers with a JSON-RPC error.", "inputSchema": OBJ},
    {"name": "mixed", "description": "Answers with every content type.", "inputSchema": OBJ},
    {"name": "cancelled", "description": "Lists the request ids cancelled so far.",
     "inputSchema": OBJ},
    {"title": "No description, only a title", "name": "titled", "inputSchema": OBJ},
]
if opts.bad_names:
    TOOLS += [{"name": "has space", "inputSchema": OBJ}, {"name": "x" * 70, "inputSchema": OBJ},
              {"name": "", "inputSchema": OBJ}, {"name": "echo", "inputSchema": OBJ}]

cancelled = []


def send(msg):
    sys.stdout.write((msg if isinstance(msg, str) else json.dumps(msg)) + "\n")
    sys.stdout.flush()


def reply(rid, result):
    send({"jsonrpc": "2.0", "id": rid, "result": result})


def error(rid, code, message):
    send({"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}})


def text(t):
    return {"content": [{"type": "text", "text": t}]}


def read_message():
    line = sys.stdin.readline()
    if not line:
        sys.exit(0)
    return json.loads(line)


def call_tool(rid, name, args, meta):
    if name == "echo":
        result = text(args.get("text", ""))
        result["structuredContent"] = {"echo": args.get("text", ""), "meta": meta}
        reply(rid, result)
    elif name == "crash":
        sys.stderr.write("test_server: crashing on purpose\n")
        sys.stderr.flush()
        os._exit(3)
    elif name == "hang":
        pass
    elif name == "slow":
        time.sleep(args.get("ms", 100) / 1000.0)
        reply(rid, text("slept"))
    elif name == "garbage":
        send("this is not json")
        send({"jsonrpc": "1.0", "id": rid, "result": text("wrong version")})
        send({"jsonrpc": "2.0", "result": text("no id")})
        send({"jsonrpc": "2.0", "id": 987654, "result": text("unknown id")})
        send("[1,2,3]")
        send({"jsonrpc": "2.0", "method": "notifications/message",
              "params": {"level": "info", "data": "hello"}})
        send({"jsonrpc": "2.0", "id": "srv-1", "method": "sampling/createMessage", "params": {}})
        answer = read_message()
        code = answer.get("error", {}).get("code") if answer.get("id") == "srv-1" else None
        reply(rid, text("survived; client answered srv-1 with %s" % code))
    elif name == "both":
        send({"jsonrpc": "2.0", "id": rid, "result": text("x"),
              "error": {"code": 1, "message": "y"}})
    elif name == "giant":
        reply(rid, text("g" * int(args.get("n", 1000))))
    elif name == "fail":
        reply(rid, {"content": [{"type": "text", "text": "the tool failed on purpose"}],
                    "isError": True})
    elif name == "rpc_error":
        error(rid, -32602, "bad params on purpose")
    elif name == "mixed":
        reply(rid, {"content": [
            {"type": "text", "text": "first"},
            {"type": "image", "data": "AAAAAAAA", "mimeType": "image/png"},
            {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"},
            {"type": "resource_link", "uri": "file:///a.txt", "name": "a.txt"},
            {"type": "resource", "resource": {"uri": "file:///b.txt", "text": "bee"}},
            {"type": "resource", "resource": {"uri": "file:///c.bin", "blob": "AAAAAA==",
                                              "mimeType": "application/octet-stream"}},
        ]})
    elif name == "cancelled":
        reply(rid, text(json.dumps(cancelled)))
    else:
        error(rid, -32601, "unknown tool " + name)


def main():
    initialized = opts.era == "modern"
    while True:
        msg = read_message()
        method = msg.get("method")
        rid = msg.get("id")
        params = msg.get("params") or {}
        meta = params.get("_meta")
        if rid is None:
            if method == "notifications/cancelled":
                cancelled.append(params.get("requestId"))
            elif method == "notifications/initialized":
                initialized = True
            continue
        if opts.era == "modern":
            if not meta or meta.get("io.modelcontextprotocol/protocolVersion") != MODERN:
                error(rid, -32600, "missing _meta protocol version")
                continue
        if method == "server/discover":
            if opts.era == "modern":
                reply(rid, {"resultType": "complete", "supportedVersions": [MODERN],
                            "capabilities": {"tools": {}},
                            "serverInfo": {"name": "test_server", "version": "1"}})
            elif opts.era == "silent-probe":
                pass
            elif opts.era == "exit-on-probe":
                sys.exit(1)
            else:
                error(rid, -32601, "Method not found")
        elif method == "initialize":
            reply(rid, {"protocolVersion": LEGACY, "capabilities": {"tools": {}},
                        "serverInfo": {"name": "test_server", "version": "1"}})
        elif not initialized:
            error(rid, -32600, "not initialized")
        elif method == "tools/list":
            start = int(params.get("cursor", "0"))
            page = TOOLS[start:start + opts.page_size]
            result = {"tools": page}
            if start + opts.page_size < len(TOOLS):
                result["nextCursor"] = str(start + opts.page_size)
            reply(rid, result)
        elif method == "tools/call":
            call_tool(rid, params.get("name"), params.get("arguments") or {}, meta)
        elif method == "ping":
            reply(rid, {})
        else:
            error(rid, -32601, "Method not found")


main()
