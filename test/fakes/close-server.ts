// Stops a loopback fake at once: open connections are cut (clients see the server go away) and the
// listening socket is closed, so "down" means connection refused.
import type * as http from 'node:http';

export async function closeServerNow(s: http.Server | undefined): Promise<void> {
  if (!s) return;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
}
