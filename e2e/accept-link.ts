// Opening the app from a link (?model=, ?hub=) asks before anything downloads or the Hub changes, unless the model is
// stored from that source already: the tests, the bench and the screenshots say yes to the question when it comes.
import type { Page } from '@playwright/test';

/** Waits for the link's question (saying yes) or for `settled` (no question was needed), whichever comes first. */
export async function acceptLink(page: Page, settled: () => Promise<unknown>, timeout = 600_000): Promise<void> {
  const asked = await Promise.race([
    page.getByTestId('link-confirm').waitFor({ timeout }).then(() => true),
    settled().then(() => false),
  ]);
  if (asked) await page.getByTestId('link-confirm-ok').click();
}

/** Opens a `?hub=` link and says yes to its question, then waits until repo ids resolve at that Hub. */
export async function openWithHub(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByTestId('link-confirm-ok').click();
  await page.getByTestId('status').filter({ hasText: 'Hub repo ids resolve at' }).waitFor();
}
