import { escapeHtml, SafeHtml } from '../../shared/pages/html.js';

/** The little Markdown the OpenAPI descriptions use: paragraphs and `code` spans, everything escaped first. */
export function inlineMarkdown(text: string | undefined): SafeHtml {
  if (!text) return new SafeHtml('');
  const paragraphs = text.split(/\n{2,}/).map((paragraph) => `<p>${escapeHtml(paragraph).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`);
  return new SafeHtml(paragraphs.join('\n'));
}
