"""Loads knowledge-base articles (Markdown with YAML front matter) and chunks them by heading."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REQUIRED_FIELDS = ("id", "title", "category", "audience", "screens", "url", "updated")
CATEGORIES = {
    "getting-started",
    "user-guide",
    "administrator-guide",
    "developer-guide",
    "troubleshooting",
}


class KBError(Exception):
    """The knowledge base cannot be loaded; the message names the file and line."""


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    category: str
    url: str
    body: str
    source: Path
    audience: tuple[str, ...] = ()
    screens: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chunk:
    article_id: str
    title: str
    heading: str
    text: str
    url: str
    category: str
    screens: tuple[str, ...] = field(default=())

    @property
    def embedding_text(self) -> str:
        # the title keeps a section like "Hours" tied to what it is about
        heading = f"\n{self.heading}" if self.heading and self.heading != self.title else ""
        return f"{self.title}{heading}\n{self.text}"


def kb_files(kb_dir: Path) -> list[Path]:
    return sorted(p for p in kb_dir.glob("*.md") if not p.name.startswith("_"))


def kb_content_hash(kb_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in kb_files(kb_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_articles(kb_dir: Path) -> list[Article]:
    paths = kb_files(kb_dir)
    if not paths:
        raise KBError(
            f"the knowledge base in {kb_dir} has no articles (*.md); add some and rebuild"
        )
    articles = [parse_article(path.read_text(encoding="utf-8"), path) for path in paths]
    seen: dict[str, Path] = {}
    for article in articles:
        if article.id in seen:
            raise KBError(
                f"{article.source}:2: id '{article.id}' is also used by {seen[article.id]}"
            )
        seen[article.id] = article.source
    return articles


def parse_article(text: str, source: Path) -> Article:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise KBError(f"{source}:1: an article must start with '---' and YAML front matter")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise KBError(f"{source}:1: front matter is not closed with '---'") from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 1
        raise KBError(f"{source}:{line}: front matter is not valid YAML ({error})") from None
    if not isinstance(meta, dict):
        raise KBError(f"{source}:2: front matter must be a mapping of fields")
    missing = [name for name in REQUIRED_FIELDS if name not in meta]
    if missing:
        raise KBError(f"{source}:2: front matter misses {', '.join(missing)}")
    if meta["category"] not in CATEGORIES:
        raise KBError(f"{source}:2: unknown category '{meta['category']}'")
    return Article(
        id=str(meta["id"]),
        title=str(meta["title"]),
        category=str(meta["category"]),
        url=str(meta["url"]),
        body="\n".join(lines[end + 1 :]).strip(),
        source=source,
        audience=tuple(meta.get("audience") or ()),
        screens=tuple(meta.get("screens") or ()),
    )


_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")


def chunk_article(article: Article) -> list[Chunk]:
    """One chunk per `##`/`###` section; text before the first section keeps the title."""
    sections: list[tuple[str, list[str]]] = [(article.title, [])]
    for line in article.body.splitlines():
        match = _HEADING.match(line)
        if match and len(match.group(1)) == 1:
            continue  # the article's own title
        if match:
            sections.append((match.group(2).strip(), []))
        else:
            sections[-1][1].append(line)
    chunks = []
    for heading, body_lines in sections:
        body = "\n".join(body_lines).strip()
        if body:
            chunks.append(
                Chunk(
                    article_id=article.id,
                    title=article.title,
                    heading=heading,
                    text=body,
                    url=article.url,
                    category=article.category,
                    screens=article.screens,
                )
            )
    return chunks


def chunk_articles(articles: list[Article]) -> list[Chunk]:
    return [chunk for article in articles for chunk in chunk_article(article)]
