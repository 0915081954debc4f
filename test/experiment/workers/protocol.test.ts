// The wire format: one JSON message per line, split anywhere by TCP, checked field by field.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decode,
  encode,
  LineDecoder,
  parseHostPort,
  ProtocolError,
  PROTOCOL_VERSION,
  type Message,
} from "../../../src/experiment/workers/protocol.ts";

test("messages survive encode, arbitrary chunking, and decode", () => {
  const msgs: Message[] = [
    { type: "hello", version: PROTOCOL_VERSION, pid: 42, host: "h", threads: 2, token: "" },
    { type: "heartbeat" },
    { type: "done", stageId: "base-1", lease: 3, result: { hhh: { rate: 0.5 }, text: "line\nbreak é" }, seconds: 1.5 },
    { type: "done", stageId: "base-2", lease: 4, result: null, seconds: 0 },
    { type: "shutdown", ok: true, reason: "run finished" },
  ];
  const wire = Buffer.from(msgs.map(encode).join(""));
  for (const size of [1, 3, 7, wire.length]) {
    const dec = new LineDecoder();
    const got: Message[] = [];
    for (let i = 0; i < wire.length; i += size) got.push(...dec.push(wire.subarray(i, i + size)));
    assert.deepEqual(got, msgs, `chunks of ${size} bytes`);
  }
});

test("bad lines are one-line protocol errors naming the problem", () => {
  assert.throws(() => decode("{nope"), ProtocolError);
  assert.throws(() => decode("[1]"), /not a message object/);
  assert.throws(() => decode(`{"type":"launch"}`), /unknown message type "launch"/);
  assert.throws(
    () => decode(`{"type":"done","stageId":"x","lease":"1","seconds":1,"result":1}`),
    /done message without a valid "lease" \(number\)/,
  );
  assert.throws(() => decode(`{"type":"done","stageId":"x","lease":1,"seconds":1}`), /"result"/);
  assert.throws(
    () => decode(`{"type":"assign","stageId":"x","lease":1,"leaseDir":"x.lease-ab-1","runDir":"/r","stage":null}`),
    /"stage" \(object\)/,
  );
});

test("host:port parsing", () => {
  assert.deepEqual(parseHostPort("10.0.0.1:7000", "--master"), { host: "10.0.0.1", port: 7000 });
  assert.deepEqual(parseHostPort("[::1]:7000", "--master"), { host: "::1", port: 7000 });
  assert.throws(() => parseHostPort("10.0.0.1", "--master"), /--master must be host:port/);
  assert.throws(() => parseHostPort("h:70000", "--listen"), /--listen must be host:port/);
});
