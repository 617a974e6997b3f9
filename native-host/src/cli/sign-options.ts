/**
 * `kyso sign`'s options, checked against each other before anything is read: a value out of range,
 * or an option the chosen format (or level, or appearance) does not use, is a usage problem naming
 * the option (exit 2). Nothing given is silently dropped: a signature made without the time-stamp,
 * the stamp or the digest the user asked for looks right and is not.
 */
import { usageProblem, type UsageProblem } from '../../../shared/command-line.js';
import { DigestAlgorithmSchema, TsaUrlSchema } from '../../../shared/protocol/common.js';
import { LIMITS } from '../../../shared/protocol/limits.js';
import {
  PdfFieldNameSchema,
  PdfRectSchema,
  PdfTextSchema,
  StampLinesSchema,
} from '../../../shared/protocol/page.js';
import { SIGN_FORMATS, type SignCommandOptions, type SignFormat } from './sign.js';

/** `kyso sign`'s options for parseArgs, without defaults: what is in the values was given. */
export const SIGN_OPTION_TYPES = {
  in: { type: 'string' },
  out: { type: 'string' },
  format: { type: 'string' },
  cert: { type: 'string' },
  'pin-stdin': { type: 'boolean' },
  digest: { type: 'string' },
  tsa: { type: 'string' },
  level: { type: 'string' },
  reason: { type: 'string' },
  location: { type: 'string' },
  stamp: { type: 'string', multiple: true },
  image: { type: 'string' },
  seal: { type: 'string' },
  rect: { type: 'string' },
  page: { type: 'string' },
  certify: { type: 'string' },
  field: { type: 'string' },
  sha1: { type: 'boolean' },
} as const;

/** The options as parsed. */
export interface SignValues {
  in?: string | undefined;
  out?: string | undefined;
  format?: string | undefined;
  cert?: string | undefined;
  'pin-stdin'?: boolean | undefined;
  digest?: string | undefined;
  tsa?: string | undefined;
  level?: string | undefined;
  reason?: string | undefined;
  location?: string | undefined;
  stamp?: string[] | undefined;
  image?: string | undefined;
  seal?: string | undefined;
  rect?: string | undefined;
  page?: string | undefined;
  certify?: string | undefined;
  field?: string | undefined;
  sha1?: boolean | undefined;
}

type FormatOption = Exclude<keyof SignValues, 'in' | 'out' | 'format' | 'cert' | 'pin-stdin'>;

/** What each kind of format uses, beyond --in, --out, --format, --cert and --pin-stdin. */
const FORMAT_OPTIONS: Record<'cms' | 'pades' | 'xml', readonly FormatOption[]> = {
  cms: ['digest', 'tsa'],
  pades: ['level', 'tsa', 'reason', 'location', 'stamp', 'image', 'seal', 'rect', 'page', 'certify', 'field'],
  xml: ['sha1'],
};
const LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;

const kindOf = (format: SignFormat) =>
  format === 'pades' ? 'pades' : format.startsWith('xml-') ? 'xml' : 'cms';

/** A usage problem, as signOptions gives it. */
const problem = (vi: string, en: string) => ({ problem: usageProblem(vi, en) });

/** The options to sign with, or the usage problem (naming the option). */
export function signOptions(values: SignValues): { options: SignCommandOptions } | { problem: UsageProblem } {
  if (!values.in) return problem('kyso sign cần --in FILE', 'kyso sign needs --in FILE');
  if (!values.out) return problem('kyso sign cần --out FILE', 'kyso sign needs --out FILE');
  const format = (values.format ?? 'cms') as SignFormat;
  if (!SIGN_FORMATS.includes(format))
    return problem(
      `--format ${values.format}: một trong ${SIGN_FORMATS.join(', ')}`,
      `--format ${values.format}: one of ${SIGN_FORMATS.join(', ')}`,
    );
  const kind = kindOf(format);
  for (const option of new Set(Object.values(FORMAT_OPTIONS).flat()))
    if (values[option] !== undefined && !FORMAT_OPTIONS[kind].includes(option)) {
      const formats = SIGN_FORMATS.filter((f) => FORMAT_OPTIONS[kindOf(f)].includes(option)).join(', ');
      return problem(
        `--${option} không dùng cho --format ${format} (chỉ cho ${formats})`,
        `--${option} does not apply to --format ${format} (only to ${formats})`,
      );
    }

  const digest = DigestAlgorithmSchema.safeParse(values.digest ?? 'SHA-256');
  if (!digest.success)
    return problem(
      `--digest ${values.digest}: một trong SHA-256, SHA-384, SHA-512`,
      `--digest ${values.digest}: one of SHA-256, SHA-384, SHA-512`,
    );
  const tsa = values.tsa === undefined ? undefined : TsaUrlSchema.safeParse(values.tsa);
  if (tsa?.success === false)
    return problem(
      `--tsa ${values.tsa}: một địa chỉ http(s) tối đa ${LIMITS.maxUrlChars} ký tự`,
      `--tsa ${values.tsa}: an http(s) address of at most ${LIMITS.maxUrlChars} characters`,
    );
  const level = values.level ?? 'B-B';
  if (!(LEVELS as readonly string[]).includes(level))
    return problem(
      `--level ${level}: một trong ${LEVELS.join(', ')}`,
      `--level ${level}: one of ${LEVELS.join(', ')}`,
    );
  if (kind === 'pades' && level !== 'B-B' && !tsa)
    return problem(
      `--level ${level} cần --tsa URL (từ B-T trở lên có dấu thời gian)`,
      `--level ${level} needs --tsa URL (B-T and above are time-stamped)`,
    );
  if (kind === 'pades' && level === 'B-B' && tsa)
    return problem(
      '--tsa với --format pades cần --level B-T, B-LT hoặc B-LTA (B-B không có dấu thời gian)',
      '--tsa with --format pades needs --level B-T, B-LT or B-LTA (B-B has no time-stamp)',
    );

  const pdf = pdfOptions(values, level as (typeof LEVELS)[number]);
  if ('problem' in pdf) return pdf;
  return {
    options: {
      input: values.in,
      output: values.out,
      format,
      certificate: values.cert,
      pinFromStdin: values['pin-stdin'] === true,
      digestAlgorithm: digest.data,
      sha1: values.sha1 === true,
      ...(tsa?.success && { tsaUrl: tsa.data }),
      ...(kind === 'pades' && { pdf: pdf.options }),
    },
  };
}

/** PAdES: each text within the page's limits, one appearance, and --page/--rect only where they place one. */
function pdfOptions(
  values: SignValues,
  level: (typeof LEVELS)[number],
): { options: NonNullable<SignCommandOptions['pdf']> } | { problem: UsageProblem } {
  const texts: Record<string, string | undefined> = {};
  for (const option of ['reason', 'location'] as const) {
    if (values[option] === undefined) continue;
    const text = PdfTextSchema.safeParse(values[option]);
    if (!text.success)
      return problem(
        `--${option}: một đoạn chữ nhìn thấy được, tối đa ${LIMITS.maxPdfTextChars} ký tự`,
        `--${option}: some visible text of at most ${LIMITS.maxPdfTextChars} characters`,
      );
    texts[option] = text.data;
  }
  const stamp = values.stamp === undefined ? undefined : StampLinesSchema.safeParse(values.stamp);
  if (stamp?.success === false)
    return problem(
      `--stamp: tối đa ${LIMITS.maxStampLines} dòng, mỗi dòng một đoạn chữ nhìn thấy được, tối đa ${LIMITS.maxPdfTextChars} ký tự`,
      `--stamp: at most ${LIMITS.maxStampLines} lines, each some visible text of at most ${LIMITS.maxPdfTextChars} characters`,
    );
  const image = values.image !== undefined || values.seal !== undefined;
  if (stamp && image)
    return problem(
      '--stamp và --image/--seal là hai cách hiển thị: một chữ ký chỉ có một',
      '--stamp and --image/--seal are two appearances: a signature has one',
    );
  const field = values.field;
  if (field !== undefined && !PdfFieldNameSchema.safeParse(field).success)
    return problem(
      `--field: tên đầy đủ của một trường, tối đa ${LIMITS.maxPdfFieldNameChars} ký tự`,
      `--field: a field's full name, at most ${LIMITS.maxPdfFieldNameChars} characters`,
    );
  // The document's own field says where: its widget's box on its page.
  if (field !== undefined && stamp)
    return problem(
      '--stamp có chỗ riêng (góc trên bên phải); --field nhận --image/--seal',
      '--stamp has its own place (top right); --field takes --image/--seal',
    );
  const rect = values.rect?.split(',').map(Number);
  // As a page's rect: "340,90,,80" must not sign an image 0 pt wide, nobody sees.
  const [x, y, width, height] = rect ?? [];
  if (rect && (rect.length !== 4 || !PdfRectSchema.safeParse({ x, y, width, height }).success))
    return problem(
      `--rect ${values.rect}: x,y,w,h tính bằng điểm PDF, mỗi cạnh ít nhất 1`,
      `--rect ${values.rect}: x,y,w,h in PDF points, each side at least 1`,
    );
  if (field !== undefined && (rect || values.page !== undefined))
    return problem(
      '--field ký vào ô của chính trường đó: bỏ --rect và --page',
      "--field signs into the field's own box: leave out --rect and --page",
    );
  if (rect && !image)
    return problem(
      '--rect đặt chỗ cho --image/--seal: hãy cho một trong hai, hoặc bỏ --rect',
      '--rect places --image/--seal: give one, or leave --rect out',
    );
  if (image && !rect && field === undefined)
    return problem(
      '--image/--seal cần --rect x,y,w,h (điểm PDF, tính từ góc dưới bên trái trang)',
      '--image/--seal need --rect x,y,w,h (PDF points from the bottom left of the page)',
    );
  const page = values.page === undefined ? undefined : Number(values.page);
  if (page !== undefined && (!Number.isInteger(page) || page < 1))
    return problem(`--page ${values.page}: số trang, từ 1`, `--page ${values.page}: a page number from 1`);
  if (page !== undefined && !stamp && !image)
    return problem(
      '--page chọn trang cho --stamp hoặc --image/--seal: hãy cho một, hoặc bỏ --page',
      '--page places --stamp or --image/--seal: give one, or leave --page out',
    );
  const certify = values.certify === undefined ? undefined : Number(values.certify);
  if (certify !== undefined && certify !== 1 && certify !== 2 && certify !== 3)
    return problem(`--certify ${values.certify}: 1, 2 hoặc 3`, `--certify ${values.certify}: 1, 2 or 3`);
  return {
    options: {
      level,
      ...texts,
      ...(stamp?.success && { stamp: stamp.data }),
      ...(values.image && { image: values.image }),
      ...(values.seal && { seal: values.seal }),
      ...(rect && { rect: rect as [number, number, number, number] }),
      ...(page && { page }),
      ...(certify && { certify }),
      ...(field !== undefined && { field }),
    },
  };
}
