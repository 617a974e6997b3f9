/** Lists of rows with buttons on kyso's own pages (the options page and its plugin section). */

/**
 * Puts a list's new rows in. A row's button that had the keyboard's focus and is gone (its row was
 * removed) hands the focus on — to the same row's button if the row is still there, else the button
 * now in its place, else the last, else `fallback` — instead of dropping it to the top of the page.
 */
export function replaceRows(list: HTMLElement, rows: HTMLElement[], fallback: HTMLElement): void {
  const buttons = () => [...list.querySelectorAll<HTMLButtonElement>('li button')];
  const focused = document.activeElement;
  const at = focused instanceof HTMLButtonElement ? buttons().indexOf(focused) : -1;
  const name = focused instanceof HTMLButtonElement ? focused.getAttribute('aria-label') : null;
  list.replaceChildren(...rows);
  if (at < 0) return;
  const now = buttons();
  (now.find((b) => b.getAttribute('aria-label') === name) ?? now[at] ?? now.at(-1) ?? fallback).focus();
}
