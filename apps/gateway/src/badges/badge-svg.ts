/**
 * Badges in the familiar shields.io "flat" style: a grey label and a coloured message. Widths
 * come from an approximate per-character width of Verdana 11px, as shields does, so no font
 * metrics are needed at run time.
 */
export type BadgeColour = 'green' | 'yellow' | 'red' | 'grey';

const COLOURS: Record<BadgeColour, string> = {
  green: '#4c1',
  yellow: '#dfb317',
  red: '#e05d44',
  grey: '#9f9f9f',
};

function textWidth(text: string): number {
  let width = 0;
  for (const c of text) width += /[ijlI.,:;|!']/.test(c) ? 3.5 : /[mwMW%@]/.test(c) ? 10 : 7;
  return Math.round(width);
}

export function badgeSvg(label: string, message: string, colour: BadgeColour): string {
  const l = textWidth(label) + 10;
  const m = textWidth(message) + 10;
  const w = l + m;
  const text = `${escapeXml(label)}: ${escapeXml(message)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${text}"><title>${text}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${l}" height="20" fill="#555"/><rect x="${l}" width="${m}" height="20" fill="${COLOURS[colour]}"/><rect width="${w}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="${l / 2}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(label)}</text><text x="${l / 2}" y="14">${escapeXml(label)}</text><text x="${l + m / 2}" y="15" fill="#010101" fill-opacity=".3">${escapeXml(message)}</text><text x="${l + m / 2}" y="14">${escapeXml(message)}</text></g></svg>`;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
