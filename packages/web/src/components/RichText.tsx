import { Fragment, type ReactNode, useMemo } from 'react';
import { type Block, type Inline, parseBlocks } from '../lib/markdown.js';

/**
 * Message text as React elements: every piece of user text is a text node or an attribute
 * React escapes, never HTML. Links open in a new tab without an opener.
 */
export function RichText({ text, me }: { text: string; me?: string | undefined }) {
  const blocks = useMemo(() => parseBlocks(text), [text]);
  return <>{blocks.map((b, i) => renderBlock(b, i, me))}</>;
}

function renderBlock(b: Block, key: number, me: string | undefined): ReactNode {
  switch (b.t) {
    case 'p':
      return (
        <p key={key} className="md-p">
          {b.c.map((n, i) => renderInline(n, i, me))}
        </p>
      );
    case 'pre':
      return (
        <pre key={key} className="md-pre">
          <code>{b.v}</code>
        </pre>
      );
    case 'quote':
      return (
        <blockquote key={key} className="md-quote">
          {b.c.map((c, i) => renderBlock(c, i, me))}
        </blockquote>
      );
  }
}

function renderInline(n: Inline, key: number, me: string | undefined): ReactNode {
  switch (n.t) {
    case 'text':
      return <Fragment key={key}>{n.v}</Fragment>;
    case 'bold':
      return <strong key={key}>{n.c.map((c, i) => renderInline(c, i, me))}</strong>;
    case 'italic':
      return <em key={key}>{n.c.map((c, i) => renderInline(c, i, me))}</em>;
    case 'code':
      return (
        <code key={key} className="md-code">
          {n.v}
        </code>
      );
    case 'link':
      return (
        <a key={key} href={n.href} target="_blank" rel="noopener noreferrer nofollow ugc">
          {n.v}
        </a>
      );
    case 'mention':
      return (
        <span
          key={key}
          className={me && n.v.toLowerCase() === me.toLowerCase() ? 'mention me' : 'mention'}
        >
          @{n.v}
        </span>
      );
  }
}
