/** (3) End to end in Chromium: filled in once the extension's bench build exists. */
export interface BrowserBench {
  warm: number;
  cold: number;
  warmMedianMs: number;
  warmP90Ms: number;
  coldMedianMs: number;
  coldP90Ms: number;
}

export async function runBrowserBench(_env: NodeJS.ProcessEnv, _counts: { warm: number; cold: number }): Promise<BrowserBench> {
  throw new Error('the auto-approving bench build of the extension is not available yet');
}
