// The script editor: CodeMirror with SQL or JSON highlighting, bound to a Blazor component.
import { EditorView, basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { sql, PostgreSQL } from '@codemirror/lang-sql';
import { json } from '@codemirror/lang-json';
import { syntaxHighlighting } from '@codemirror/language';
import { classHighlighter } from '@lezer/highlight';

const editors = new Map();

window.etlEditor = {
  create(element, id, text, language, readOnly, dotnet) {
    const extensions = [
      basicSetup,
      // Token classes instead of CodeMirror's default colours, which miss AA contrast; app.css colours them.
      syntaxHighlighting(classHighlighter),
      language === 'json' ? json() : sql({ dialect: PostgreSQL }),
      EditorView.updateListener.of(update => {
        if (update.docChanged) dotnet.invokeMethodAsync('OnChanged', update.state.doc.toString());
      }),
      EditorView.contentAttributes.of({ 'aria-label': 'Script body', 'data-testid': 'script-editor-content' }),
      EditorState.readOnly.of(readOnly),
    ];
    editors.set(id, new EditorView({ doc: text, extensions, parent: element }));
  },
  setText(id, text) {
    const view = editors.get(id);
    if (view && view.state.doc.toString() !== text) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  },
  dispose(id) {
    editors.get(id)?.destroy();
    editors.delete(id);
  },
};
