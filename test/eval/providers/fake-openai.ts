// A stand-in OpenAI-compatible server for tests: lists one model ("m") and answers every completion with
// `answer` (or `answer(prompt)`); `seen` is told about each request (to check headers).
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export async function fakeOpenAiServer(
  answer: string | ((prompt: string) => string),
  seen: (req: IncomingMessage) => void = () => {},
): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    seen(req);
    let body = "";
    req.on("data", (b: Buffer) => (body += b.toString()));
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" });
      const list = { data: [{ id: "m" }] };
      const prompt = body ? String((JSON.parse(body) as { prompt?: unknown }).prompt ?? "") : "";
      const text = typeof answer === "string" ? answer : answer(prompt);
      const completion = { choices: [{ index: 0, text, finish_reason: "stop" }] };
      res.end(JSON.stringify(req.url?.endsWith("/models") ? list : completion));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => server.close() };
}
