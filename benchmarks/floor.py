"""The floor under ``oppkobling build``: only what any build must do, at C speed.

    python benchmarks/floor.py REPO --xsd-dir DIR

It parses every declaration under ``REPO/partners`` with the fastest YAML loader installed
(PyYAML's libyaml ``CSafeLoader``, else ruamel's C loader, else pure Python), then takes every
XML file a build wrote under ``REPO/generated`` (the same number of documents, the same kinds,
the same sizes), and for each one parses it, serialises it with lxml and validates it against its
official schema (compiled once per schema, as the pipeline does). Nothing is written. What it
times uses no code of the pipeline, so it measures the libraries, not the project.

The schema of a document comes from its root namespace: the message-type catalogue (set up, not
timed, with ``pipeline.model.catalogue``, which joins ``message_types.yaml`` and NHN's
``processes.yaml``) maps namespaces to official XSDs, MsgHead documents are
validated with MsgHead and their payload's schema together, CPAs against the OASIS schema and
the partner index against the project's ``schemas/partner-index.xsd``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
CPA_NS = "http://www.oasis-open.org/committees/ebxml-cppa/schema/cpp-cpa-2_0.xsd"
XS = "http://www.w3.org/2001/XMLSchema"


def yaml_loader() -> tuple[str, object]:
    try:
        import yaml

        if getattr(yaml, "__with_libyaml__", False):
            return "PyYAML CSafeLoader (libyaml)", lambda text: yaml.load(text, Loader=yaml.CSafeLoader)
    except ImportError:
        pass
    from ruamel.yaml import YAML

    try:
        import _ruamel_yaml  # noqa: F401

        y = YAML(typ="safe", pure=False)
        return "ruamel.yaml C loader", y.load
    except ImportError:
        y = YAML(typ="safe", pure=True)
        return "ruamel.yaml pure Python (no C loader installed)", y.load


def parser() -> etree.XMLParser:
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


def namespaces(load: object, repo: Path) -> dict[str, str]:
    """targetNamespace -> schema file (relative to the XSD directory, or absolute): the message-type
    catalogue's (message_types.yaml with NHN's processes, as pipeline.model.catalogue joins them;
    setting up the table is not what is measured)."""
    sys.path.insert(0, str(HERE.parent))
    from pipeline.model.catalogue import catalogue

    cat = catalogue()
    table: dict[str, str] = {CPA_NS: "ebxml-cppa/cpp-cpa-2_0.xsd"}
    for schema in (*cat.apprec.values(), *cat.msghead.values()):
        table[schema.namespace] = schema.xsd
    for message_type in cat.types.values():
        for version in message_type.versions.values():
            table[version.namespace] = version.xsd
            for process in version.processes:
                table[process.namespace] = process.xsd
    for xsd in sorted((HERE.parent / "schemas").glob("*.xsd")):
        target = etree.parse(str(xsd), parser()).getroot().get("targetNamespace")
        if target:
            table[target] = str(xsd.resolve())
    return table


class Schemas:
    def __init__(self, root: Path, table: dict[str, str]) -> None:
        self.root = root
        self.table = table
        self.compiled: dict[tuple[str, ...], etree.XMLSchema] = {}

    def path(self, ref: str) -> Path:
        p = Path(ref)
        return p if p.is_absolute() else self.root / ref

    def get(self, *refs: str) -> etree.XMLSchema:
        key = tuple(sorted(set(refs)))
        if key not in self.compiled:
            if len(key) == 1:
                tree = etree.parse(str(self.path(key[0])), parser())
            else:
                driver = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS})
                for ref in key:
                    p = self.path(ref)
                    ns = etree.parse(str(p), parser()).getroot().get("targetNamespace")
                    etree.SubElement(driver, f"{{{XS}}}import", namespace=ns, schemaLocation=p.as_uri())
                tree = etree.ElementTree(driver)
            self.compiled[key] = etree.XMLSchema(tree)
        return self.compiled[key]

    def for_document(self, root: etree._Element) -> etree.XMLSchema:
        ns = etree.QName(root).namespace or ""
        refs = [self.table[ns]]
        if etree.QName(root).localname == "MsgHead":
            content = root.find(f"{{{ns}}}Document/{{{ns}}}RefDoc/{{{ns}}}Content")
            if content is not None and len(content):
                refs.append(self.table[etree.QName(content[0]).namespace or ""])
        return self.get(*refs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--xsd-dir", type=Path, required=True)
    ap.add_argument("--json", action="store_true", help="print counts as JSON")
    args = ap.parse_args(argv)
    started = time.perf_counter()

    name, load = yaml_loader()
    declarations = sorted((args.repo / "partners").rglob("*.yaml"))
    for path in declarations:
        load(path.read_text("utf-8"))  # type: ignore[operator]

    schemas = Schemas(args.xsd_dir, namespaces(load, args.repo))
    documents = invalid = size = 0
    xml_parser = parser()
    for path in sorted((args.repo / "generated").rglob("*.xml")):
        document = etree.fromstring(path.read_bytes(), xml_parser)
        content = etree.tostring(document.getroottree(), xml_declaration=True, encoding="UTF-8", pretty_print=True)
        size += len(content)
        if not schemas.for_document(document).validate(document):
            invalid += 1
        documents += 1
    counts = {
        "yaml_loader": name,
        "yaml_files": len(declarations),
        "xml_documents": documents,
        "xml_bytes": size,
        "invalid": invalid,
        "schemas": len(schemas.compiled),
        "seconds": round(time.perf_counter() - started, 3),
    }
    print(json.dumps(counts) if args.json else counts)
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
