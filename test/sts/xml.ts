// STS speaks the AWS "query" protocol: form-encoded requests, XML responses in the
// https://sts.amazonaws.com/doc/2011-06-15/ namespace. These helpers render the two response
// shapes real STS uses (docs/aws-rules.md#sts-responses-and-errors): `<XResponse><XResult>…</XResult>
// <ResponseMetadata><RequestId/></ResponseMetadata></XResponse>` and `<ErrorResponse>`.
// Real STS sends no XML declaration and indents with two spaces; so does the emulator.

import type { StsError } from "./errors.js";

export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** An element: text content, or child elements (undefined children are skipped). */
export type XmlNode = { name: string; text: string } | { name: string; children: Array<XmlNode | undefined> };

export const el = (name: string, content: string | number | Array<XmlNode | undefined>): XmlNode =>
  Array.isArray(content) ? { name, children: content } : { name, text: String(content) };

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function render(node: XmlNode, depth: number, attributes = ""): string {
  const pad = "  ".repeat(depth);
  if ("text" in node) return `${pad}<${node.name}${attributes}>${escapeXml(node.text)}</${node.name}>\n`;
  const inner = node.children
    .filter((c): c is XmlNode => c !== undefined)
    .map((c) => render(c, depth + 1))
    .join("");
  return `${pad}<${node.name}${attributes}>\n${inner}${pad}</${node.name}>\n`;
}

/** `<{action}Response xmlns=…><{action}Result>…</…Result><ResponseMetadata>…` */
export function renderResult(action: string, result: Array<XmlNode | undefined>, requestId: string): string {
  const response = el(`${action}Response`, [
    el(`${action}Result`, result),
    el("ResponseMetadata", [el("RequestId", requestId)]),
  ]);
  return render(response, 0, ` xmlns="${STS_NAMESPACE}"`);
}

export function renderError(error: StsError, requestId: string): string {
  const response = el("ErrorResponse", [
    el("Error", [el("Type", error.type), el("Code", error.code), el("Message", error.message)]),
    el("RequestId", requestId),
  ]);
  return render(response, 0, ` xmlns="${STS_NAMESPACE}"`);
}

/**
 * A response cut off mid-element, for the "malformed-xml" fault: what a client sees when a
 * proxy or a dying connection truncates a 200 response.
 */
export function renderTruncated(action: string): string {
  return `<${action}Response xmlns="${STS_NAMESPACE}">\n  <${action}Result>\n    <Credentials>\n      <AccessKeyId>ASIA`;
}
