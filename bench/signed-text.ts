/**
 * signedTextOf (shared/text/signed-text.ts) on a 1 MB text, in Node: the whole call and each of its
 * passes alone, so a change to one pass is judged by its own time. The text is the kind a portal
 * sends: Vietnamese (NFC, some lines NFD), with numbers, a Russian and a Greek passage, and now and
 * then a look-alike letter, a hidden character or piled accent marks, so every pass has work to do.
 *
 *   tsc -p tsconfig.build.json && node dist/node/bench/signed-text.js [MB (default 1)] [runs (default 9)]
 */
import { INVISIBLE_OR_CONTROL } from '../shared/text/invisible.js';
import { foreignLetters } from '../shared/text/mixed-script.js';
import { signedTextOf } from '../shared/text/signed-text.js';
import { excessMarks } from '../shared/text/stacked-marks.js';

const LINES = [
  'Điều 3. Bên A thanh toán cho Bên B số tiền 1.250.000.000 đồng (Một tỷ hai trăm năm mươi triệu đồng).',
  'Nguyễn Thị Ánh Tuyết, Hà Nội, ngày 2 tháng 12 năm 2026 — Công ty Cổ phần Công nghệ Sao Việt.',
  'Đ/c: 12 Nguyễn Trãi, P. Bến Thành, Q.1 — ĐT 0912345678, TK VCB-0123456789, MST 0101234567.',
  'Hàng hoá: 10kg gạo, 5km cáp, 3×4 m²; giao trong 30 ngày kể từ ngày ký hợp đồng này.',
  'Người đại diện theo pháp luật của các bên cam kết thực hiện đúng và đầy đủ các điều khoản.'.normalize(
    'NFD',
  ),
  'Поставка: ООО «Ромашка», Москва, ул. Тверская, д. 7 — 10кг, 5км, 2026 год.',
  'Η σύμβαση υπογράφεται στην Αθήνα, 2 Δεκεμβρίου 2026, σε δύο αντίτυπα.',
  'Bên A: Công ty C\u043Eng nghệ — Số tài khoản: 1\u041E23456789 — Ký: a\u0301\u0302\u0303\u0304n',
  'Số tiền: 1\u200B000\u00A0000 đồng — Tệp: hoa-don-\u202Efdp.exe',
];

function corpus(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = LINES[i % 4 === 3 ? 4 + ((i % LINES.length) % 5) : i % 4]!;
    lines.push(line);
    size += Buffer.byteLength(line) + 1;
  }
  return lines.join('\n');
}

function median(runs: number, f: () => unknown): number {
  f(); // warm: compile the regular expressions and the engine's code once
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const megabytes = Number(process.argv[2] ?? 1);
const runs = Number(process.argv[3] ?? 9);
const text = corpus(megabytes * 1_000_000);
const bytes = new TextEncoder().encode(text);
const lines = text.split(/\r?\n/);
const shown = signedTextOf(bytes);
if (!shown.ok) throw new Error('the bench text is not a signed text');
const figures = {
  bytes: bytes.length,
  lines: lines.length,
  foreign: shown.foreign,
  marks: shown.marks,
  disguised: shown.disguised,
  stacked: shown.stacked,
  signedTextOfMs: median(runs, () => signedTextOf(bytes)),
  decodeMs: median(runs, () => new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)),
  hiddenMs: median(runs, () => lines.map((line) => [...line.matchAll(INVISIBLE_OR_CONTROL)])),
  foreignLettersMs: median(runs, () => foreignLetters(text)),
  excessMarksMs: median(runs, () => lines.map((line) => excessMarks(line))),
};
console.log(JSON.stringify(figures, null, 2));
