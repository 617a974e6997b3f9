import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Prints whether .NET's SignedXml.CheckSignature() (Mono's here) finds a file's Signature valid (the
 * first, or the one at the index given): it tries each KeyInfo certificate's key, and applies the
 * transforms as .NET does (an enveloped-signature transform over an element copied out of its document).
 */
const DOTNET_CHECK = `using System;
using System.Xml;
using System.Security.Cryptography.Xml;

class Check {
  static void Main(string[] args) {
    var document = new XmlDocument { PreserveWhitespace = true };
    document.Load(args[0]);
    var at = args.Length > 1 ? int.Parse(args[1]) : 0;
    var signed = new SignedXml(document);
    signed.LoadXml((XmlElement)document.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl)[at]);
    Console.WriteLine(signed.CheckSignature());
  }
}
`;

/**
 * Compiles the checker into `dir` (mcs) and returns it: `xml` written to `dir/name`, its Signature
 * at `index` checked by .NET's SignedXml, answering 'True' or 'False'.
 */
export function dotnetSignedXmlChecker(dir: string): (name: string, xml: string, index?: number) => string {
  writeFileSync(path.join(dir, 'Check.cs'), DOTNET_CHECK);
  const checker = path.join(dir, 'check.exe');
  execFileSync('mcs', [
    '-r:System.Security.dll',
    '-r:System.Xml.dll',
    `-out:${checker}`,
    path.join(dir, 'Check.cs'),
  ]);
  return (name, xml, index = 0) => {
    writeFileSync(path.join(dir, name), xml);
    return execFileSync('mono', [checker, path.join(dir, name), String(index)], { encoding: 'utf8' }).trim();
  };
}
