// A stand-in OpenAI-compatible server for tests: lists one model ("m") and gives every completion the
// same answer; `seen` is told about each request (to check headers).
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export async function fakeOpenAiServer(
  answer: string,
  seen: (req: IncomingMessage) => void = () => {},
): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    seen(req);
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const list = { data: [{ id: "m" }] };
      const completion = { choices: [{ index: 0, text: answer, finish_reason: "stop" }] };
      res.end(JSON.stringify(req.url?.endsWith("/models") ? list : completion));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => server.close() };
}
