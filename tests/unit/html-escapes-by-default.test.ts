import test from 'ava';
import { escapeHtml, html, SafeHtml } from '../../shared/pages/html.js';

test('interpolated values are escaped; nested html is kept; arrays join; nothing for null, undefined and false', (t) => {
  const evil = `<script>alert("x")</script>&'`;
  t.is(html`<p title="${evil}">${evil}</p>`.value, '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</p>');
  t.is(html`<ul>${['a<', 'b'].map((item) => html`<li>${item}</li>`)}</ul>`.value, '<ul><li>a&lt;</li><li>b</li></ul>');
  t.is(html`${null}${undefined}${false}${0}`.value, '0');
  t.is(escapeHtml('a&b'), 'a&amp;b');
  t.true(html`x` instanceof SafeHtml);
});
