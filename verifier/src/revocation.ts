/**
 * Whether a certificate was revoked: OCSP first (the CA's responder, fresh), then the CRL, each
 * signed by the issuer and checked here. Fetches have a time limit and a size limit.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toArrayBuffer } from '../../shared/encoding.js';
import { crlUrls, ocspUrls } from './certificates.js';

export type RevocationPolicy = 'require' | 'prefer' | 'off';

export interface RevocationOptions {
  policy?: RevocationPolicy;
  /** Replaces the URLs in the certificate (a portal's own OCSP proxy). */
  ocspUrl?: string;
  /** CRLs already at hand (DER); fetched from the distribution points otherwise. */
  crls?: Uint8Array[];
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  /** The time the status must hold at (now). */
  now?: Date;
}

export interface RevocationResult {
  status: 'good' | 'revoked' | 'unknown' | 'unchecked';
  source: 'ocsp' | 'crl' | null;
  revokedAt?: Date;
  /** Why a source could not answer (unreachable, bad signature, stale). */
  notes: string[];
}

const MAX_BYTES = 4 << 20;
const OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';

async function fetchBytes(url: string, init: RequestInit, options: RevocationOptions): Promise<Uint8Array> {
  if (!/^https?:\/\//i.test(url)) throw new Error(`not an http(s) URL: ${url}`);
  const response = await (options.fetch ?? fetch)(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_BYTES) throw new Error(`answer from ${url} too large`);
  return bytes;
}

async function viaOcsp(certificate: pkijs.Certificate, issuer: pkijs.Certificate, url: string, options: RevocationOptions): Promise<RevocationResult> {
  const request = new pkijs.OCSPRequest();
  await request.createForCertificate(certificate, { hashAlgorithm: 'SHA-1', issuerCertificate: issuer });
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(16));
  request.tbsRequest.requestExtensions = [new pkijs.Extension({ extnID: OCSP_NONCE, extnValue: new asn1js.OctetString({ valueHex: nonce }).toBER() })];
  const answer = await fetchBytes(
    url,
    { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: new Uint8Array(request.toSchema(true).toBER()) },
    options,
  );
  const response = pkijs.OCSPResponse.fromBER(toArrayBuffer(answer));
  if (response.responseStatus.valueBlock.valueDec !== 0 || !response.responseBytes)
    throw new Error(`OCSP status ${response.responseStatus.valueBlock.valueDec}`);
  const basic = pkijs.BasicOCSPResponse.fromBER(response.responseBytes.response.valueBlock.valueHexView.slice().buffer);
  if (!(await basic.verify({ trustedCerts: [issuer] }).catch(() => false))) throw new Error('OCSP answer not signed by the issuer or its responder');
  const echoed = basic.tbsResponseData.responseExtensions?.find((e) => e.extnID === OCSP_NONCE);
  if (echoed) {
    const value = (asn1js.fromBER(echoed.extnValue.valueBlock.valueHexView.slice().buffer).result as asn1js.OctetString).valueBlock.valueHexView;
    if (Buffer.compare(Buffer.from(value), Buffer.from(nonce)) !== 0) throw new Error('OCSP nonce does not match (a replayed answer)');
  }
  const now = options.now ?? new Date();
  for (const single of basic.tbsResponseData.responses) {
    const status = await basic.getCertificateStatus(certificate, issuer);
    if (!status.isForCertificate) continue;
    if (single.nextUpdate && single.nextUpdate.getTime() < now.getTime() - 5 * 60_000) throw new Error('OCSP answer is stale');
    if (status.status === 1) {
      const revokedInfo = single.certStatus as asn1js.Constructed;
      const time = (revokedInfo.valueBlock.value[0] as asn1js.GeneralizedTime | undefined)?.toDate();
      return { status: 'revoked', source: 'ocsp', ...(time && { revokedAt: time }), notes: [] };
    }
    return { status: status.status === 0 ? 'good' : 'unknown', source: 'ocsp', notes: [] };
  }
  throw new Error('OCSP answer is about another certificate');
}

async function viaCrl(certificate: pkijs.Certificate, issuer: pkijs.Certificate, crlDer: Uint8Array, options: RevocationOptions): Promise<RevocationResult> {
  const crl = pkijs.CertificateRevocationList.fromBER(toArrayBuffer(crlDer));
  if (!(await crl.verify({ issuerCertificate: issuer }).catch(() => false))) throw new Error('CRL not signed by the issuer');
  const now = options.now ?? new Date();
  if (crl.nextUpdate && crl.nextUpdate.value.getTime() < now.getTime()) throw new Error('CRL is out of date');
  const serial = Buffer.from(certificate.serialNumber.valueBlock.valueHexView).toString('hex');
  const entry = crl.revokedCertificates?.find((r) => Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex') === serial);
  return entry ? { status: 'revoked', source: 'crl', revokedAt: entry.revocationDate.value, notes: [] } : { status: 'good', source: 'crl', notes: [] };
}

export async function checkRevocation(certificate: pkijs.Certificate, issuer: pkijs.Certificate, options: RevocationOptions = {}): Promise<RevocationResult> {
  if ((options.policy ?? 'prefer') === 'off') return { status: 'unchecked', source: null, notes: [] };
  const notes: string[] = [];
  for (const url of options.ocspUrl ? [options.ocspUrl] : ocspUrls(certificate)) {
    try {
      return { ...(await viaOcsp(certificate, issuer, url, options)), notes };
    } catch (error) {
      notes.push(`OCSP ${url}: ${(error as Error).message}`);
    }
  }
  const crls: Array<{ from: string; load: () => Promise<Uint8Array> }> = [
    ...(options.crls ?? []).map((der, i) => ({ from: `given CRL ${i + 1}`, load: async () => der })),
    ...crlUrls(certificate).map((url) => ({ from: url, load: () => fetchBytes(url, {}, options) })),
  ];
  for (const { from, load } of crls) {
    try {
      return { ...(await viaCrl(certificate, issuer, await load(), options)), notes };
    } catch (error) {
      notes.push(`CRL ${from}: ${(error as Error).message}`);
    }
  }
  return { status: 'unknown', source: null, notes: notes.length ? notes : ['the certificate names no OCSP responder or CRL'] };
}
