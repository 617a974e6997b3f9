/** Lists of rows with buttons on kyso's own pages (the options page and its plugin section). */

/**
 * Puts a list's new rows in. A row's button that had the keyboard's focus and is gone (its row was
 * removed) hands the focus on — to the same row's button if the row is still there, else the button
 * now in its place, else the last, else `fallback` — instead of dropping it to the top of the page.
 */
export function replaceRows(list: HTMLElement, rows: HTMLElement[], fallback: HTMLElement): void {
  // A redraw that changes nothing leaves the rows in place: a site retrying a plugin redraws the list many times a
  // second, and a click whose press and release land on two copies of a button is no click at all.
  if (rows.length === list.children.length && rows.every((row, i) => row.isEqualNode(list.children.item(i))))
    return;
  const buttons = () => [...list.querySelectorAll<HTMLButtonElement>('li button')];
  const focused = document.activeElement;
  const at = focused instanceof HTMLButtonElement ? buttons().indexOf(focused) : -1;
  const name = focused instanceof HTMLButtonElement ? focused.getAttribute('aria-label') : null;
  list.replaceChildren(...rows);
  if (at < 0) return;
  const now = buttons();
  (now.find((b) => b.getAttribute('aria-label') === name) ?? now[at] ?? now.at(-1) ?? fallback).focus();
}

/**
 * A list drawn from what it reads first (storage, the background): of calls that overlap, only the
 * latest draws. An earlier one reads the state before a change, and if it finished last it would put
 * that old state back with nothing left to draw the new one.
 */
export function drawLatest<T>(read: () => Promise<T>, draw: (state: T) => void): () => Promise<void> {
  let latest = 0;
  return async () => {
    const call = ++latest;
    const state = await read();
    if (call === latest) draw(state);
  };
}
