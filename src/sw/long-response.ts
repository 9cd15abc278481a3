// Runs longer than an event may take: the real response when it comes in time, otherwise a 200 stream that sends a
// space every few seconds (JSON allows leading whitespace) and then the final body, so no lifetime limit cuts it off.
/// <reference lib="webworker" />

const HEARTBEAT_MS = 5000;

export async function respondLater(result: Promise<Response>, afterMs: number, headers: Record<string, string>): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), afterMs)));
  const first = await Promise.race([result, late]);
  clearTimeout(timer);
  if (first !== 'late') return first;
  const encoder = new TextEncoder();
  let beat: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(' '));
      beat = setInterval(() => controller.enqueue(encoder.encode(' ')), HEARTBEAT_MS);
      void result.then(async (final) => {
        clearInterval(beat);
        // The status is already sent: a failure arrives as its error body ({"detail", "code"}) under 200.
        controller.enqueue(encoder.encode(await final.text()));
        controller.close();
      });
    },
    cancel() {
      clearInterval(beat);
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json', 'X-Sdxl-Streamed': '1', ...headers } });
}
