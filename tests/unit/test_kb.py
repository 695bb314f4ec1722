import re
from pathlib import Path

import pytest
import yaml

from retrieval.kb import KBError, chunk_article, load_articles, parse_article

ROOT = Path(__file__).resolve().parents[2]
# the support programme, kept in the repo so the checks run on any clone; the copy is checked
# against the shared original when that is next to the checkout
SEED = ROOT / "data" / "seed" / "support_programme.txt"
SHARED_SEED = ROOT.parent / "shared" / "seed" / "000_a1a60e04c1908f12.txt"
KB_DIR = ROOT / "data" / "kb"

GOOD = """---
id: a
title: Phone hours
category: getting-started
audience: [end-user]
screens: []
url: https://support.trading-orchestrator.com/kb/a
updated: 2026-11-20
---
# Phone hours
Intro line.
## Weekdays
Monday-Friday, 8 AM - 8 PM EST
## Weekends
Saturday-Sunday, 9 AM - 5 PM EST
"""


def test_chunks_by_heading_and_keeps_the_title() -> None:
    chunks = chunk_article(parse_article(GOOD, Path("a.md")))
    assert [c.heading for c in chunks] == ["Phone hours", "Weekdays", "Weekends"]
    assert all(c.embedding_text.startswith("Phone hours") for c in chunks)
    assert "8 AM - 8 PM" in chunks[1].text


def test_broken_front_matter_names_file_and_line() -> None:
    broken = GOOD.replace("audience: [end-user]", "audience: [end-user")
    with pytest.raises(KBError, match=r"broken\.md:\d+: front matter is not valid YAML"):
        parse_article(broken, Path("broken.md"))


def test_missing_fields_and_unclosed_front_matter_are_named() -> None:
    with pytest.raises(KBError, match="misses url"):
        parse_article(
            GOOD.replace("url: https://support.trading-orchestrator.com/kb/a\n", ""), Path("x.md")
        )
    with pytest.raises(KBError, match="x.md:1"):
        parse_article("# no front matter", Path("x.md"))


def test_empty_kb_fails_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(KBError, match="no articles"):
        load_articles(tmp_path)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    (tmp_path / "one.md").write_text(GOOD)
    (tmp_path / "two.md").write_text(GOOD)
    with pytest.raises(KBError, match="also used by"):
        load_articles(tmp_path)


def test_real_kb_loads() -> None:
    articles = load_articles(KB_DIR)
    assert len(articles) >= 25
    assert all(chunk_article(a) for a in articles)


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="no shared checkout next to this one")
def test_the_seed_copy_matches_the_shared_original() -> None:
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_every_contact_price_and_sla_time_in_the_seed_is_in_the_kb() -> None:
    seed = SEED.read_text(encoding="utf-8")
    kb = "\n".join(p.read_text(encoding="utf-8") for p in KB_DIR.glob("*.md"))
    phones = set(re.findall(r"\+\d[\d-]{6,}\d|\+1-[0-9A-Z-]{7,}[0-9A-Z]", seed))
    emails = set(re.findall(r"[\w.+-]+@trading-orchestrator\.com", seed))
    prices = set(re.findall(r"\$[\d,]+/month per instance", seed))
    sla_rows = re.findall(r"\| (Critical|High|Medium|Low)\s*\| ([^|]+)\| ([^|]+)\| ([^|]+)\|", seed)
    assert phones and emails and prices and len(sla_rows) == 4
    missing = [p for p in phones | emails | prices if p not in kb]
    for _, *times in sla_rows:
        missing += [t.strip() for t in times if t.strip() not in kb]
    assert missing == []


def test_support_facts_contacts_come_from_the_seed() -> None:
    seed = SEED.read_text(encoding="utf-8")
    facts_text = (ROOT / "data" / "support_facts.yml").read_text(encoding="utf-8")
    yaml.safe_load(facts_text)  # parses
    values = set(
        re.findall(
            r"[\w.+-]+@trading-orchestrator\.com|\+1-800-[A-Z0-9-]+|\$[\d,]+/month", facts_text
        )
    )
    assert values
    assert [v for v in values if v not in seed] == []
