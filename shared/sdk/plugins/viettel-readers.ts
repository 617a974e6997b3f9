/**
 * The certificate and CMS readers the Viettel-CA emulation uses in the page (getCert*, Verify). A
 * module of their own: they carry pkijs, which the extension's background must start without.
 */
import { summarizeCertificate } from '../../certificate/profile.js';
import { verifyCms } from '../../cms/verify.js';
import { subjectNameRfc4514 } from '../../xml/subject-name.js';
import type { ViettelReaders } from './viettel.js';

export const PAGE_VIETTEL_READERS: ViettelReaders = {
  summarize: summarizeCertificate,
  subjectName: subjectNameRfc4514,
  checkCms: async (cms, content) => (await verifyCms({ cms, content })).valid,
};
