/** Whose certificate a tax return or an e-invoice expects (the consent window marks the others and chooses that one). */
import { describe, expect, it } from 'vitest';
import {
  carriesTaxCode,
  certificateToTake,
  signerTaxCodes,
  taxCodesNotCarried,
} from '../../shared/xml/signer-party.js';
import { summarizeXml } from '../../shared/xml/summary.js';
import { EINVOICE, HTKK_RETURN } from '../support/fixtures.js';

const summary = (lines: Record<string, string>) =>
  Object.entries(lines).map(([field, value]) => ({ field, value }));

/** A company's certificate, as the profile reads its UID MST:0312345678. */
const COMPANY = { MST: ['0312345678'] };

describe('the party that signs a tax return or an e-invoice', () => {
  it('a tax return: its taxpayer, or the tax agent filing it; read from the signed document', () => {
    expect(signerTaxCodes({ profile: 'htkk', summary: summarizeXml(HTKK_RETURN, 'htkk') })).toEqual([
      '0101234567',
    ]);
    const byAgent = HTKK_RETURN.replace(
      '</NNT>',
      '</NNT><DLyThue><mstDLyThue>0312345678</mstDLyThue><tenDLyThue>Đại lý thuế Minh An</tenDLyThue></DLyThue>',
    );
    const lines = summarizeXml(byAgent, 'htkk');
    expect(lines).toContainEqual({ field: 'taxAgentId', value: '0312345678' });
    expect(lines).toContainEqual({ field: 'taxAgentName', value: 'Đại lý thuế Minh An' });
    expect(signerTaxCodes({ profile: 'htkk', summary: lines })).toEqual(['0101234567', '0312345678']);
    // No agent: its elements are there, empty (as HTKK writes them), and name no one.
    const noAgent = HTKK_RETURN.replace('</NNT>', '</NNT><DLyThue><mstDLyThue/><tenDLyThue/></DLyThue>');
    expect(summarizeXml(noAgent, 'htkk').map((l) => l.field)).not.toContain('taxAgentId');
  });

  it('an e-invoice: its seller, or its buyer when the buyer signs', () => {
    const lines = summarizeXml(EINVOICE, 'einvoice');
    expect(signerTaxCodes({ profile: 'einvoice', summary: lines })).toEqual(['0101234567']);
    expect(signerTaxCodes({ profile: 'einvoice-buyer', summary: lines })).toEqual(['0401122334']);
  });

  it('no party for other documents, nor for a value that is no tax code', () => {
    const lines = summary({ taxpayerId: '0101234567' });
    expect(signerTaxCodes({ profile: 'generic', summary: lines })).toEqual([]);
    expect(signerTaxCodes({ summary: lines })).toEqual([]);
    expect(signerTaxCodes({ profile: 'htkk' })).toEqual([]);
    for (const value of [
      '',
      '01012345',
      'MST 0101234567',
      '0101234567-1',
      '0101234567…',
      '０１０１２３４５６７',
    ])
      expect(signerTaxCodes({ profile: 'htkk', summary: summary({ taxpayerId: value }) }), value).toEqual([]);
    // Spaces a form put between digit groups are not part of the code.
    expect(signerTaxCodes({ profile: 'htkk', summary: summary({ taxpayerId: '0101 234 567' }) })).toEqual([
      '0101234567',
    ]);
  });

  it('a certificate carries the code in its MST, its CCCD or 12-digit CMND (an individual’s tax code), or as the head office of a dependent unit', () => {
    expect(carriesTaxCode(COMPANY, ['0312345678'])).toBe(true);
    expect(carriesTaxCode(COMPANY, ['0101234567'])).toBe(false);
    expect(carriesTaxCode(COMPANY, ['0101234567', '0312345678'])).toBe(true);
    expect(carriesTaxCode(COMPANY, ['0312345678-001'])).toBe(true);
    expect(carriesTaxCode({ MST: ['0312345678-002'] }, ['0312345678'])).toBe(true);
    expect(carriesTaxCode({ MST: ['0312345679-001'] }, ['0312345678-001'])).toBe(false);
    expect(carriesTaxCode({ CCCD: ['001099012345'] }, ['001099012345'])).toBe(true);
    expect(carriesTaxCode({ CCCD: ['001099012345'] }, ['0010990123'])).toBe(false);
    // An older certificate's CMND: the 12-digit card's number is the one the holder's CCCD kept; a 9-digit card's is not.
    expect(carriesTaxCode({ CMND: ['001099012345'] }, ['001099012345'])).toBe(true);
    expect(carriesTaxCode({ CMND: ['012345678'] }, ['012345678'])).toBe(false);
    expect(carriesTaxCode({ CMND: ['012345678', '001099012345'] }, ['001099012345'])).toBe(true);
    // A passport or budget-unit number is no tax code.
    expect(carriesTaxCode({ HC: ['0312345678'], MNS: ['0312345678'] }, ['0312345678'])).toBe(false);
    expect(carriesTaxCode({}, ['0312345678'])).toBe(false);
  });

  it('the certificate taken without asking: the only one, else the only one carrying every document’s party (the window’s radio, kyso sign without --cert)', () => {
    type Candidate = { name: string; identities: Parameters<typeof carriesTaxCode>[0] };
    const person: Candidate = { name: 'person', identities: { CCCD: ['001099012345'] } };
    const company = { name: 'company', identities: COMPANY };
    const branch = { name: 'branch', identities: { MST: ['0312345678-001'] } };
    const other = { name: 'other', identities: { MST: ['0101234567'] } };
    const take = (usable: Candidate[], codeLists: string[][]) =>
      certificateToTake(usable, (c) => c.identities, codeLists)?.name;
    // One that can sign is the one, whatever the documents name (the window marks it).
    expect(take([other], [['0312345678']])).toBe('other');
    expect(take([], [['0312345678']])).toBeUndefined();
    // Several: the documents' party picks one, and only when exactly one carries it.
    expect(take([person, company], [])).toBeUndefined();
    expect(take([person, company], [['0312345678']])).toBe('company');
    expect(take([person, company, other], [['0312345678']])).toBe('company');
    expect(take([person, company, branch], [['0312345678']])).toBeUndefined();
    expect(take([person, other], [['0312345678']])).toBeUndefined();
    // A return filed by an agent names two parties: either one's certificate carries it.
    expect(take([person, other], [['0312345678', '001099012345']])).toBe('person');
    // A batch: one certificate must carry every document's party.
    expect(take([person, company], [['0312345678'], ['001099012345']])).toBeUndefined();
    expect(take([company, other], [['0312345678'], ['0312345678-001']])).toBe('company');
    // What the window marks a certificate with: each document's codes it does not carry, each once.
    expect(taxCodesNotCarried(COMPANY, [['0312345678'], ['0101234567'], ['0101234567']])).toEqual([
      '0101234567',
    ]);
    expect(taxCodesNotCarried(COMPANY, [['0101234567', '0312345678']])).toEqual([]);
    expect(taxCodesNotCarried(COMPANY, [])).toEqual([]);
  });
});
