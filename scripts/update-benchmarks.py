"""Replaces one '## <section>' of docs/benchmarks.md with the given results file (keeps the section's intro)."""
import os
import re
import sys

section, results = sys.argv[1], open(sys.argv[2]).read().strip()
path = os.path.join(os.path.dirname(__file__), "..", "docs", "benchmarks.md")
text = open(path).read()
marker = f"<!-- results: {section} -->"
pattern = re.compile(re.escape(marker) + r".*?" + re.escape(f"<!-- end: {section} -->"), re.S)
replacement = f"{marker}\n{results}\n<!-- end: {section} -->"
if not pattern.search(text):
    raise SystemExit(f"docs/benchmarks.md has no results block for '{section}'")
open(path, "w").write(pattern.sub(lambda _: replacement, text))
print(f"updated docs/benchmarks.md: {section}")
