/** DER DigestInfo prefixes (RFC 8017 §9.2 note 1): what CKM_RSA_PKCS signs is prefix ‖ hash. No imports: the worker and the protocol use these. */
import type { DigestAlgorithm } from '../protocol/common.js';

export const DIGEST_INFO_PREFIX: Record<DigestAlgorithm, string> = {
  'SHA-256': '3031300d060960864801650304020105000420',
  'SHA-384': '3041300d060960864801650304020205000430',
  'SHA-512': '3051300d060960864801650304020305000440',
};

/** SHA-1: only for rsa-sha1 XML signatures that old receivers still demand. */
export const SHA1_DIGEST_INFO_PREFIX = '3021300906052b0e03021a05000414';
