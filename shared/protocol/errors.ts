import { LIMITS } from './limits.js';

/**
 * The closed set of error codes every part of kyso speaks. A code is stable API for portals;
 * the message is for people (Vietnamese and English, see `errorMessage`).
 */
export const ERROR_CODES = [
  'USER_CANCELLED',
  'PIN_INCORRECT',
  'PIN_LOCKED',
  'PIN_INVALID',
  'TOKEN_NOT_PRESENT',
  'TOKEN_DRIVER_FAILED',
  'TOKEN_NOT_RESPONDING',
  'NO_CERTIFICATE',
  'CERTIFICATE_NOT_USABLE',
  'CERTIFICATE_NOT_REQUESTED',
  'ORIGIN_NOT_ALLOWED',
  'EXTENSION_NOT_INSTALLED',
  'HOST_NOT_INSTALLED',
  'VERSION_MISMATCH',
  'TIMEOUT',
  'BUSY',
  'RATE_LIMITED',
  'TSA_NOT_CONFIGURED',
  'TIMESTAMP_FAILED',
  'BAD_REQUEST',
  'INTERNAL',
  'PDF_ENCRYPTED',
  'PDF_DAMAGED',
  'PDF_AMBIGUOUS',
  'PDF_CERTIFIED',
  'XML_NOT_ACCEPTED',
  'DOCUMENT_TOO_LARGE',
  'NOT_SUPPORTED',
  'UPLOAD_FAILED',
  'OFFICE_NOT_SUPPORTED',
  'EXTENSION_RESTARTED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Record<string, string | number | boolean | null>;

export interface WireError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

/** An error that carries one of our codes across every boundary. */
export class KysoError extends Error {
  readonly code: ErrorCode;
  readonly details?: ErrorDetails;

  constructor(code: ErrorCode, message?: string, details?: ErrorDetails) {
    super(message ?? errorMessage(code, 'en'));
    this.name = 'KysoError';
    this.code = code;
    this.details = details;
  }

  toWire(): WireError {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }

  static fromWire(error: WireError): KysoError {
    return new KysoError(error.code, error.message, error.details);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Any thrown value as a wire error; unknown failures become INTERNAL without leaking internals. */
export function toWireError(error: unknown): WireError {
  if (error instanceof KysoError) return error.toWire();
  return { code: 'INTERNAL', message: errorMessage('INTERNAL', 'en') };
}

export type Language = 'vi' | 'en';

/** Sizes people read: whole MiB. */
function mib(bytes: number): number {
  return Math.floor(bytes / (1024 * 1024));
}

const MESSAGES: Record<ErrorCode, Record<Language, string>> = {
  USER_CANCELLED: {
    vi: 'Người dùng đã huỷ thao tác ký.',
    en: 'The user cancelled signing.',
  },
  PIN_INCORRECT: {
    vi: 'Mã PIN không đúng.',
    en: 'The PIN is incorrect.',
  },
  PIN_LOCKED: {
    vi: 'Mã PIN đã bị khoá. Hãy liên hệ nhà cung cấp chứng thư số để mở khoá.',
    en: 'The PIN is locked. Contact your certificate provider to unlock it.',
  },
  PIN_INVALID: {
    vi: 'Mã PIN không hợp lệ (sai độ dài hoặc ký tự).',
    en: 'The PIN is not valid (wrong length or characters).',
  },
  TOKEN_NOT_PRESENT: {
    vi: 'Không tìm thấy USB token. Hãy cắm token và thử lại.',
    en: 'No USB token found. Insert your token and try again.',
  },
  TOKEN_DRIVER_FAILED: {
    vi: 'Trình điều khiển của token gặp lỗi. Hãy thử lại.',
    en: 'The token driver failed. Please try again.',
  },
  TOKEN_NOT_RESPONDING: {
    vi: 'USB token không phản hồi (trình điều khiển bị treo). Hãy rút token ra, cắm lại rồi thử lại.',
    en: 'The USB token is not responding (its driver is stuck). Unplug the token, plug it back in and try again.',
  },
  NO_CERTIFICATE: {
    vi: 'Không có chứng thư số nào dùng để ký được.',
    en: 'No certificate that can sign was found.',
  },
  CERTIFICATE_NOT_USABLE: {
    vi: 'Chứng thư số này không dùng để ký được (hết hạn, chưa có hiệu lực, không cho phép ký hoặc khoá quá ngắn).',
    en: 'This certificate cannot sign (expired, not yet valid, not for signing, or its key is too short).',
  },
  CERTIFICATE_NOT_REQUESTED: {
    vi: 'Trang web yêu cầu ký bằng một chứng thư số khác.',
    en: 'The website asks for a signature with another certificate.',
  },
  ORIGIN_NOT_ALLOWED: {
    vi: 'Trang web này không được phép yêu cầu ký số.',
    en: 'This website is not allowed to request signatures.',
  },
  EXTENSION_NOT_INSTALLED: {
    vi: 'Chưa cài tiện ích kyso cho trình duyệt.',
    en: 'The kyso browser extension is not installed.',
  },
  EXTENSION_RESTARTED: {
    vi: 'Tiện ích kyso vừa khởi động lại (ví dụ khi được cập nhật) nên yêu cầu này đã dừng. Vui lòng thử lại.',
    en: 'The kyso extension restarted (for example, it was updated), so this request stopped. Please try again.',
  },
  HOST_NOT_INSTALLED: {
    vi: 'Chưa cài ứng dụng kyso trên máy tính (kyso-host).',
    en: 'The kyso application (kyso-host) is not installed on this computer.',
  },
  VERSION_MISMATCH: {
    vi: 'Phiên bản các thành phần kyso không khớp nhau. Hãy cập nhật.',
    en: 'The kyso components have incompatible versions. Please update.',
  },
  TIMEOUT: {
    vi: 'Hết thời gian chờ.',
    en: 'The operation timed out.',
  },
  BUSY: {
    vi: 'Đang có một yêu cầu ký khác. Hãy thử lại sau.',
    en: 'Another signing request is in progress. Try again later.',
  },
  RATE_LIMITED: {
    vi: 'Trang web gửi quá nhiều yêu cầu ký. Hãy đợi một lát rồi thử lại.',
    en: 'This website sent too many signing requests. Wait a moment and try again.',
  },
  TSA_NOT_CONFIGURED: {
    vi: 'Chưa cấu hình máy chủ cấp dấu thời gian (TSA). Hãy nhập địa chỉ TSA trong phần cài đặt của kyso.',
    en: 'No time-stamping server (TSA) is configured. Enter a TSA address in the kyso settings.',
  },
  TIMESTAMP_FAILED: {
    vi: 'Không lấy được dấu thời gian từ máy chủ TSA. Hãy kiểm tra kết nối mạng hoặc địa chỉ TSA.',
    en: 'Could not get a time-stamp from the TSA. Check the network connection or the TSA address.',
  },
  BAD_REQUEST: {
    vi: 'Yêu cầu không hợp lệ.',
    en: 'The request is not valid.',
  },
  INTERNAL: {
    vi: 'Lỗi nội bộ của kyso.',
    en: 'An internal kyso error occurred.',
  },
  PDF_ENCRYPTED: {
    vi: 'Tệp PDF được bảo vệ bằng mật khẩu nên không ký được. Hãy gỡ mật khẩu (hoặc xin bản không mã hoá) rồi thử lại.',
    en: 'The PDF is protected by a password and cannot be signed. Remove the password (or ask for an unencrypted copy) and try again.',
  },
  PDF_DAMAGED: {
    vi: 'Tệp PDF bị hỏng hoặc không đúng định dạng nên không ký được. Hãy xin lại tệp gốc từ nơi gửi.',
    en: 'The PDF is damaged or not a valid PDF and cannot be signed. Ask the sender for the original file again.',
  },
  PDF_AMBIGUOUS: {
    vi: 'Tệp PDF có nội dung ẩn hoặc mâu thuẫn: các phần mềm đọc PDF có thể hiển thị khác nhau, nên kyso không ký. Hãy xin nơi gửi một bản PDF sạch (lưu lại hoặc in ra PDF mới).',
    en: 'The PDF has hidden or conflicting content that PDF readers may display differently, so kyso will not sign it. Ask the sender for a clean copy (saved or printed as a new PDF).',
  },
  PDF_CERTIFIED: {
    vi: 'Tệp PDF đã được ký chứng nhận (certified) ở chế độ không cho phép thay đổi: ký thêm sẽ làm chữ ký chứng nhận mất hiệu lực, nên kyso không ký. Hãy xin nơi phát hành một bản cho phép ký thêm.',
    en: 'The PDF is certified with "no changes allowed": another signature would invalidate its certification, so kyso will not sign it. Ask the issuer for a copy that allows signing.',
  },
  XML_NOT_ACCEPTED: {
    vi: 'Tệp XML không đúng mẫu hồ sơ (tờ khai thuế hoặc hoá đơn điện tử) hoặc chứa phần có thể đọc theo nhiều cách, nên không ký được.',
    en: 'The XML document does not match the expected form (tax return or e-invoice) or contains parts that can be read in more than one way, so it cannot be signed.',
  },
  DOCUMENT_TOO_LARGE: {
    vi: `Tài liệu quá lớn để ký: PDF tối đa ${mib(LIMITS.maxPdfBytes)} MiB, XML tối đa ${mib(LIMITS.maxXmlChars)} MiB.`,
    en: `The document is too large to sign: PDFs up to ${mib(LIMITS.maxPdfBytes)} MiB, XML up to ${mib(LIMITS.maxXmlChars)} MiB.`,
  },
  NOT_SUPPORTED: {
    vi: 'kyso chưa hỗ trợ chức năng này của phần mềm ký số mà trang web gọi.',
    en: 'kyso does not support this function of the signing plugin the website calls.',
  },
  UPLOAD_FAILED: {
    vi: 'Đã ký nhưng máy chủ của trang web không nhận tệp đã ký.',
    en: "Signed, but the website's server did not accept the signed file.",
  },
  OFFICE_NOT_SUPPORTED: {
    vi: 'kyso chưa ký được tệp Office (Word, Excel, PowerPoint, OpenDocument). Hãy lưu tệp thành PDF rồi ký tệp PDF.',
    en: 'kyso cannot sign Office files (Word, Excel, PowerPoint, OpenDocument) yet. Save the file as PDF and sign the PDF.',
  },
};

export function errorMessage(code: ErrorCode, language: Language): string {
  return MESSAGES[code][language];
}
