"""JSON-LD ``@context`` handling for NGSI-LD (ETSI GS CIM 009 §4.4, §5.5.7; JSON-LD 1.1 §4.1 and IRI expansion).

NGSI-LD stores Fully Qualified Names (IRIs) for entity types and attribute names and gives clients back the
short names of the @context they send. This module implements just what that needs, fast enough for ingestion
(a dict lookup per attribute once a context is built) rather than general JSON-LD (PyLD rebuilds the active
context and walks every value of every document, about a millisecond an entity):

- context processing: remote contexts (through a pluggable loader), arrays, nested arrays inside remote
  documents, ``@import``, ``@vocab``, ``@protected``, compact-IRI and term-to-term definitions, aliases of
  ``@id``/``@type``; ``@base``, ``@language`` and scoped contexts are accepted and ignored;
- the NGSI-LD rule that the core context always wins (§5.5.7: "implementations shall always consider the Core
  @context as having absolute precedence"): it is applied after the user context; a user term that tries to
  redefine a protected core term keeps the core definition;
- term expansion (IRI expansion with ``vocab=true``) and compaction (exact term, shortest then least term
  first; then ``@vocab`` suffix; then compact IRI; else the full IRI, as §5.5.7 asks);
- :func:`expand_entity` / :func:`compact_entity` on the normalized representation: the entity type(s), the
  attribute and sub-attribute names, the ``objectType`` of relationships and the ``vocab`` of VocabProperties
  are expanded; NGSI-LD members (``type``, ``value``, ``object``, ``observedAt``, ``unitCode``…) and the
  content of values are kept as they are (values are opaque JSON to NGSI-LD queries, except
  VocabProperty). Expanding then compacting with the same context gives back the same entity.

Contexts bundled with Beffroi (``contexts/`` beside this package, see its README) are served without network
for the URLs in :data:`BUNDLED_CONTEXTS`. Any other URL goes to the ``loader`` given to
:class:`ContextResolver`; the API plugs in ``beffroi.datahub.remote_contexts`` (an allowlist of hosts, the
outbound-address policy, a cache and a per-client limit). A context that cannot be had raises
:class:`~beffroi.datahub.ngsild.errors.LdContextNotAvailable`, whose detail must not say why (a loader's
failure could otherwise tell a client what answers at an address it chose).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from beffroi.datahub.ngsild.errors import BadRequestData, LdContextNotAvailable
from beffroi.datahub.ngsild.vocabulary import VALUE_MEMBER

CONTEXTS_DIR = Path(__file__).resolve().parent.parent / "contexts"

#: The core @context of the version implemented (CIM 009 V1.9.1): the one responses name (Link header, the
#: ``@context`` of application/ld+json bodies, notifications) when the client gave none.
CORE_CONTEXT_URL = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld"
#: The unversioned URL most clients (and the Smart Data Models examples) send.
DEFAULT_CORE_CONTEXT_URL = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"

_CORE_FILE = "ngsi-ld-core-context-v1.9.jsonld"
SMART_DATA_MODEL_DOMAINS = (
    "Building",
    "Energy",
    "Environment",
    "Parking",
    "Streetlighting",
    "Transportation",
    "WasteManagement",
    "WaterConsumption",
    "Weather",
)


def _bundled_contexts() -> dict[str, str]:
    """URL → file name in ``contexts/`` (as listed in that folder's README)."""
    mapping = {CORE_CONTEXT_URL: _CORE_FILE, DEFAULT_CORE_CONTEXT_URL: _CORE_FILE}
    for minor in range(3, 9):
        mapping[f"https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.{minor}.jsonld"] = _CORE_FILE
    for domain in SMART_DATA_MODEL_DOMAINS:
        url = f"https://raw.githubusercontent.com/smart-data-models/dataModel.{domain}/master/context.jsonld"
        mapping[url] = f"smart-data-models-dataModel.{domain}.context.jsonld"
    return mapping


#: URL → file name of the contexts bundled in ``beffroi/datahub/contexts/``.
BUNDLED_CONTEXTS: dict[str, str] = _bundled_contexts()

#: A loader takes a context URL and returns the JSON document found there (a dict holding ``@context``),
#: or raises LdContextNotAvailable.
ContextLoader = Callable[[str], Any]


def bundled_context_path(url: str) -> Path | None:
    """The file of a bundled context, or None when ``url`` is not one of :data:`BUNDLED_CONTEXTS`."""
    name = BUNDLED_CONTEXTS.get(url.strip())
    return CONTEXTS_DIR / name if name else None


@lru_cache(maxsize=32)
def _read_bundled(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def bundled_loader(url: str) -> Any:
    """Loader for the bundled contexts only: no network. Raises LdContextNotAvailable for any other URL."""
    path = bundled_context_path(url)
    if path is None:
        raise LdContextNotAvailable(
            f"the @context {url} is not available (only bundled contexts can be used)"
        )
    try:
        return _read_bundled(path)
    except (OSError, ValueError) as exc:  # pragma: no cover - a broken installation
        raise LdContextNotAvailable(f"the bundled @context {url} cannot be read: {exc}") from exc


def chain_loaders(*loaders: ContextLoader) -> ContextLoader:
    """A loader trying each loader in turn; the first that does not raise LdContextNotAvailable wins."""

    def load(url: str) -> Any:
        error: LdContextNotAvailable | None = None
        for loader in loaders:
            try:
                return loader(url)
            except LdContextNotAvailable as exc:
                error = exc
        raise error or LdContextNotAvailable(f"the @context {url} is not available")

    return load


# ----------------------------------------------------------------------------------- active context


_GEN_DELIMS = (":", "/", "?", "#", "[", "]", "@")
_KEYWORD_RE = re.compile(r"@[a-zA-Z]+")
MAX_REMOTE_DEPTH = 10


@dataclass(frozen=True, slots=True)
class TermDefinition:
    """The parts of a JSON-LD term definition that NGSI-LD term expansion and compaction use."""

    iri: str | None  # None: the term is explicitly unmapped
    type_mapping: str | None = None
    container: tuple[str, ...] = ()
    prefix: bool = False
    protected: bool = False
    reverse: bool = False

    def same_meaning(self, other: TermDefinition) -> bool:
        return (self.iri, self.type_mapping, self.container, self.reverse) == (
            other.iri,
            other.type_mapping,
            other.container,
            other.reverse,
        )


class ActiveContext:
    """A processed @context: term definitions and ``@vocab``. Immutable once built (shared between requests)."""

    __slots__ = ("terms", "vocab", "_inverse", "_prefixes", "_expanded", "_compacted")

    #: Attribute names memoised per context (expansion and compaction), at most this many each: a context is
    #: shared between requests and its vocabulary is small, but names come from clients.
    MEMO_SIZE = 4096

    def __init__(self, terms: dict[str, TermDefinition] | None = None, vocab: str | None = None):
        self.terms: dict[str, TermDefinition] = dict(terms or {})
        self.vocab = vocab
        self._inverse: dict[str, str] | None = None
        self._prefixes: list[tuple[str, str]] | None = None
        # Filled only by expand_attribute/compact_attribute, which are called once the context is built
        # (context processing mutates a context with expand_iri, never through these).
        self._expanded: dict[str, str] = {}
        self._compacted: dict[str, str] = {}

    def copy(self) -> ActiveContext:
        return ActiveContext(self.terms, self.vocab)

    def __repr__(self) -> str:
        return f"<ActiveContext {len(self.terms)} terms, @vocab={self.vocab!r}>"

    # -- expansion
    def expand_iri(self, value: str, *, vocab: bool = True) -> str:
        """JSON-LD IRI expansion of a term, compact IRI or IRI (``vocab=True`` for types and property names).

        Raises BadRequestData when the @context maps the term to null.
        """
        if value.startswith("@") and _KEYWORD_RE.fullmatch(value):
            return value
        definition = self.terms.get(value) if vocab else None
        if definition is not None:
            if definition.iri is None:
                raise BadRequestData(f"the term {value!r} is mapped to null by the @context")
            return definition.iri
        if ":" in value:
            prefix, suffix = value.split(":", 1)
            if prefix == "_" or suffix.startswith("//"):
                return value
            prefix_definition = self.terms.get(prefix)
            if prefix_definition is not None and prefix_definition.iri and prefix_definition.prefix:
                return prefix_definition.iri + suffix
            return value
        if vocab and self.vocab:
            return self.vocab + value
        return value

    # -- compaction
    def _inverse_map(self) -> dict[str, str]:
        if self._inverse is None:
            inverse: dict[str, str] = {}
            for term in sorted(self.terms, key=lambda t: (len(t), t)):
                definition = self.terms[term]
                if definition.iri and not definition.reverse and not definition.iri.startswith("@"):
                    inverse.setdefault(definition.iri, term)
            self._inverse = inverse
        return self._inverse

    def _prefix_terms(self) -> list[tuple[str, str]]:
        if self._prefixes is None:
            self._prefixes = sorted(
                ((term, d.iri) for term, d in self.terms.items() if d.prefix and d.iri),
                key=lambda item: (len(item[0]), item[0]),
            )
        return self._prefixes

    def compact_iri(self, iri: str, *, vocab: bool = True) -> str:
        """JSON-LD IRI compaction: a term, else the ``@vocab``-relative name, else a compact IRI, else ``iri``."""
        if vocab:
            term = self._inverse_map().get(iri)
            if term is not None:
                return term
            if self.vocab and iri.startswith(self.vocab) and len(iri) > len(self.vocab):
                suffix = iri[len(self.vocab) :]
                if suffix not in self.terms:
                    return suffix
        best: str | None = None
        for term, prefix_iri in self._prefix_terms():
            if iri.startswith(prefix_iri) and iri != prefix_iri:
                candidate = f"{term}:{iri[len(prefix_iri) :]}"
                existing = self.terms.get(candidate)
                if (existing is None or existing.iri == iri) and (
                    best is None or (len(candidate), candidate) < (len(best), best)
                ):
                    best = candidate
        return best if best is not None else iri

    # -- NGSI-LD names
    def expand_type(self, name: str) -> str:
        return self.expand_iri(name, vocab=True)

    def compact_type(self, iri: str) -> str:
        key = "@type " + iri  # beside the attribute names (no IRI holds a space)
        name = self._compacted.get(key)
        if name is None:
            name = self.compact_iri(iri, vocab=True)
            if len(self._compacted) < self.MEMO_SIZE:
                self._compacted[key] = name
        return name

    def expand_attribute(self, name: str) -> str:
        """A top-level attribute name as stored: its IRI (``id``, ``type``… are entity members, kept)."""
        iri = self._expanded.get(name)
        if iri is not None:
            return iri
        iri = name if name in ENTITY_MEMBERS else self.expand_iri(name, vocab=True)
        if len(self._expanded) < self.MEMO_SIZE:
            self._expanded[name] = iri
        return iri

    def compact_attribute(self, iri: str) -> str:
        name = self._compacted.get(iri)
        if name is not None:
            return name
        name = iri if iri in ENTITY_MEMBERS else self.compact_iri(iri, vocab=True)
        if len(self._compacted) < self.MEMO_SIZE:
            self._compacted[iri] = name
        return name

    def expand_sub_attribute(self, name: str) -> str:
        """A name inside an attribute: NGSI-LD members (``observedAt``, ``unitCode``…) stay short, sub-attributes
        are expanded."""
        if name in ATTRIBUTE_MEMBERS:
            return name
        return self.expand_iri(name, vocab=True)

    def compact_sub_attribute(self, iri: str) -> str:
        if iri in ATTRIBUTE_MEMBERS:
            return iri
        return self.compact_iri(iri, vocab=True)


# --------------------------------------------------------------------------------- context processing


class _Processor:
    """JSON-LD 1.1 context processing (§4.1), restricted to what term expansion and compaction need."""

    def __init__(self, loader: ContextLoader, *, override_protected: bool = False):
        self.loader = loader
        self.override_protected = override_protected

    def process(self, active: ActiveContext, local: Any, remote_chain: tuple[str, ...] = ()) -> ActiveContext:
        result = active.copy()
        items = local if isinstance(local, list) else [local]
        for item in items:
            if item is None:
                result = ActiveContext()
            elif isinstance(item, str):
                result = self.process(result, self._load(item, remote_chain), (*remote_chain, item))
            elif isinstance(item, Mapping):
                result = self._process_object(result, item, remote_chain)
            else:
                raise BadRequestData(f"invalid @context entry {item!r}: expected a URL, an object or null")
        return result

    def _load(self, url: str, remote_chain: tuple[str, ...]) -> Any:
        url = url.strip()
        if url in remote_chain:
            raise BadRequestData(f"the @context {url} includes itself (recursive context inclusion)")
        if len(remote_chain) >= MAX_REMOTE_DEPTH:
            raise BadRequestData(f"@context documents are nested more than {MAX_REMOTE_DEPTH} deep")
        try:
            document = self.loader(url)
        except LdContextNotAvailable:
            raise
        except Exception as exc:  # a loader failing in any other way still means "not available"
            # Never the exception's text: it would tell the client what answered (or not) at that address.
            raise LdContextNotAvailable(f"the @context {url} is not available") from exc
        if isinstance(document, bytes | str):
            try:
                document = json.loads(document)
            except ValueError as exc:
                raise LdContextNotAvailable(f"the @context {url} is not valid JSON") from exc
        if not isinstance(document, Mapping) or "@context" not in document:
            raise LdContextNotAvailable(f"the document at {url} holds no @context")
        return document["@context"]

    def _process_object(
        self, active: ActiveContext, local: Mapping[str, Any], remote_chain: tuple[str, ...]
    ) -> ActiveContext:
        result = active
        if "@import" in local:
            url = local["@import"]
            if not isinstance(url, str):
                raise BadRequestData("@import must be a URL")
            imported = self._load(url, remote_chain)
            if not isinstance(imported, Mapping) or "@import" in imported:
                raise BadRequestData(
                    f"the context imported from {url} must be a single object without @import"
                )
            local = {**imported, **{k: v for k, v in local.items() if k != "@import"}}
        version = local.get("@version")
        if version is not None and version != 1.1:
            raise BadRequestData(f"unsupported @version {version!r}")
        if "@vocab" in local:
            vocab = local["@vocab"]
            if vocab is None:
                result.vocab = None
            elif isinstance(vocab, str):
                result.vocab = result.expand_iri(vocab, vocab=True) if vocab else None
            else:
                raise BadRequestData("@vocab must be an IRI or null")
        protected_default = bool(local.get("@protected", False))
        defined: dict[str, bool] = {}
        for term in local:
            if term.startswith("@") and _KEYWORD_RE.fullmatch(term):
                continue
            self._define(result, local, term, defined, protected_default)
        result._inverse = None
        result._prefixes = None
        return result

    def _define(
        self,
        active: ActiveContext,
        local: Mapping[str, Any],
        term: str,
        defined: dict[str, bool],
        protected_default: bool,
    ) -> None:
        state = defined.get(term)
        if state is True:
            return
        if state is False:
            raise BadRequestData(f"cyclic IRI mapping for the term {term!r} in the @context")
        if not term:
            raise BadRequestData("the @context defines an empty term")
        defined[term] = False
        raw = local[term]
        simple = isinstance(raw, str)
        if raw is None:
            value: Mapping[str, Any] = {"@id": None}
        elif isinstance(raw, str):
            value = {"@id": raw}
        elif isinstance(raw, Mapping):
            value = raw
        else:
            raise BadRequestData(f"invalid definition of the term {term!r} in the @context")
        protected = bool(value.get("@protected", protected_default))
        reverse = False
        if "@reverse" in value:
            target = value["@reverse"]
            if not isinstance(target, str):
                raise BadRequestData(f"@reverse of the term {term!r} must be an IRI")
            iri: str | None = self._expand_for_definition(active, local, target, defined, protected_default)
            reverse = True
        elif "@id" in value and value["@id"] is None:
            iri = None
        elif "@id" in value:
            target = value["@id"]
            if not isinstance(target, str):
                raise BadRequestData(f"@id of the term {term!r} must be an IRI")
            iri = self._expand_for_definition(active, local, target, defined, protected_default)
        elif ":" in term:
            prefix, suffix = term.split(":", 1)
            if prefix in local and prefix != term:
                self._define(active, local, prefix, defined, protected_default)
            prefix_definition = active.terms.get(prefix)
            if prefix_definition is not None and prefix_definition.iri and not suffix.startswith("//"):
                iri = prefix_definition.iri + suffix
            else:
                iri = term
        elif active.vocab:
            iri = active.vocab + term
        else:
            raise BadRequestData(f"the term {term!r} has no IRI (no @id and no @vocab)")
        type_mapping = value.get("@type")
        if type_mapping is not None:
            if not isinstance(type_mapping, str):
                raise BadRequestData(f"@type of the term {term!r} must be a string")
            if not type_mapping.startswith("@"):
                type_mapping = self._expand_for_definition(
                    active, local, type_mapping, defined, protected_default
                )
        container = value.get("@container")
        containers: tuple[str, ...] = ()
        if isinstance(container, str):
            containers = (container,)
        elif isinstance(container, list) and all(isinstance(c, str) for c in container):
            containers = tuple(sorted(container))
        elif container is not None:
            raise BadRequestData(f"@container of the term {term!r} must be a string or an array of strings")
        explicit_prefix = value.get("@prefix")
        if explicit_prefix is not None:
            prefix_flag = bool(explicit_prefix)
        else:
            prefix_flag = (
                simple
                and ":" not in term
                and "/" not in term
                and iri is not None
                and not iri.startswith("@")
                and iri.endswith(_GEN_DELIMS)
            )
        definition = TermDefinition(iri, type_mapping, containers, prefix_flag, protected, reverse)
        previous = active.terms.get(term)
        if previous is not None and previous.protected and not self.override_protected:
            # NGSI-LD §5.5.7: the (protected) core context has absolute precedence; a user context trying
            # to redefine one of its terms keeps the core meaning rather than failing the request.
            defined[term] = True
            return
        active.terms[term] = definition
        defined[term] = True

    def _expand_for_definition(
        self,
        active: ActiveContext,
        local: Mapping[str, Any],
        value: str,
        defined: dict[str, bool],
        protected_default: bool,
    ) -> str:
        if value.startswith("@") and _KEYWORD_RE.fullmatch(value):
            return value
        if ":" in value:
            prefix, suffix = value.split(":", 1)
            if prefix == "_" or suffix.startswith("//"):
                return value
            if prefix in local and defined.get(prefix) is not True:
                self._define(active, local, prefix, defined, protected_default)
            prefix_definition = active.terms.get(prefix)
            if prefix_definition is not None and prefix_definition.iri:
                return prefix_definition.iri + suffix
            return value
        if value in local and defined.get(value) is not True:
            self._define(active, local, value, defined, protected_default)
        definition = active.terms.get(value)
        if definition is not None and definition.iri:
            return definition.iri
        if active.vocab:
            return active.vocab + value
        return value


@lru_cache(maxsize=1)
def _core_local_context() -> Any:
    return bundled_loader(CORE_CONTEXT_URL)["@context"]


def _apply_core(active: ActiveContext) -> ActiveContext:
    # The core context is trusted: it may override anything the user context defined (§5.5.7).
    return _Processor(bundled_loader, override_protected=True).process(active, _core_local_context())


@lru_cache(maxsize=1)
def core_context() -> ActiveContext:
    """The active context of the NGSI-LD core context alone (the default when a request gives none)."""
    return _apply_core(ActiveContext())


class ContextResolver:
    """Turns a request's @context (URL, object, array or None) into an :class:`ActiveContext`.

    The user context is processed first, then the core context on top. Results are cached by the JSON text
    of the @context (contexts are immutable documents; call :meth:`clear` to forget them). ``loader`` is
    asked for URLs that are not bundled.
    """

    def __init__(self, loader: ContextLoader | None = None, *, cache_size: int = 256):
        self.loader: ContextLoader = chain_loaders(bundled_loader, loader) if loader else bundled_loader
        self.cache_size = cache_size
        self._cache: OrderedDict[str, ActiveContext] = OrderedDict()
        self._lock = threading.Lock()

    def resolve(self, context: Any = None) -> ActiveContext:
        if isinstance(context, ActiveContext):
            return context
        if context is None or context == [] or context in (CORE_CONTEXT_URL, DEFAULT_CORE_CONTEXT_URL):
            return core_context()
        try:
            key = json.dumps(context, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            raise BadRequestData("the @context is not valid JSON") from None
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        active = _apply_core(_Processor(self.loader).process(ActiveContext(), context))
        with self._lock:
            self._cache[key] = active
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return active

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


_default_resolver = ContextResolver()


def build_context(context: Any = None, *, resolver: ContextResolver | None = None) -> ActiveContext:
    """The active context for a request's @context (bundled contexts only unless ``resolver`` says more)."""
    return (resolver or _default_resolver).resolve(context)


def expand_term(term: str, context: Any = None, *, resolver: ContextResolver | None = None) -> str:
    """The IRI of a type or attribute name under ``context`` (plus the core context)."""
    return build_context(context, resolver=resolver).expand_iri(term)


def compact_term(iri: str, context: Any = None, *, resolver: ContextResolver | None = None) -> str:
    """The short name of an IRI under ``context`` (plus the core context), or the IRI when there is none."""
    return build_context(context, resolver=resolver).compact_iri(iri)


# --------------------------------------------------------------------------------------------- entities

#: Members of an entity that are not attributes.
ENTITY_MEMBERS = frozenset(
    {"id", "type", "scope", "@context", "createdAt", "modifiedAt", "deletedAt", "expiresAt"}
)

#: Members of an attribute that are NGSI-LD structure, not sub-attributes (CIM 009 §5.2.5–§5.2.6, temporal
#: and aggregated representations).
ATTRIBUTE_MEMBERS = frozenset(
    {
        "type",
        "value",
        "object",
        "objectType",
        "observedAt",
        "unitCode",
        "datasetId",
        "createdAt",
        "modifiedAt",
        "deletedAt",
        "instanceId",
        "languageMap",
        "lang",
        "json",
        "vocab",
        "valueList",
        "objectList",
        "entity",
        "previousValue",
        "previousObject",
        "previousLanguageMap",
        "previousJson",
        "previousVocab",
        "previousValueList",
        "previousObjectList",
        "values",
        "objects",
        "languageMaps",
        "jsons",
        "vocabs",
        "valueLists",
        "objectLists",
        "avg",
        "min",
        "max",
        "sum",
        "sumsq",
        "stddev",
        "totalCount",
        "distinctCount",
    }
)


def _map_types(value: Any, convert: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return convert(value)
    if isinstance(value, list):
        return [convert(v) if isinstance(v, str) else v for v in value]
    return value


def _convert_attribute(attribute: Any, ctx: ActiveContext, expand: bool) -> Any:
    if isinstance(attribute, list):
        return [_convert_attribute(item, ctx, expand) for item in attribute]
    if not isinstance(attribute, Mapping):
        return attribute
    convert_name = ctx.expand_sub_attribute if expand else ctx.compact_sub_attribute
    convert_type = ctx.expand_type if expand else ctx.compact_type
    out: dict[str, Any] = {}
    for key, member in attribute.items():
        if key == "@context":
            raise BadRequestData("an @context may only appear at the top level of an entity")
        if key in ATTRIBUTE_MEMBERS:
            if key == "objectType" or (key == "vocab" and attribute.get("type") == "VocabProperty"):
                member = _map_types(member, convert_type)
            elif key == "vocabs" and isinstance(member, list):
                member = [
                    [_map_types(v[0], convert_type), *v[1:]] if isinstance(v, list) and v else v
                    for v in member
                ]
            out[key] = member
        else:
            out[convert_name(key)] = _convert_attribute(member, ctx, expand)
    return out


def compact_attribute(attribute: Any, ctx: ActiveContext) -> Any:
    """One attribute (an instance, or a list of them) compacted: its sub-attribute names, a Relationship's
    objectType and a VocabProperty's vocab (or temporal ``vocabs``)."""
    return _convert_attribute(attribute, ctx, False)


def _convert_entity(entity: Mapping[str, Any], ctx: ActiveContext, expand: bool) -> dict[str, Any]:
    if not isinstance(entity, Mapping):
        raise BadRequestData("an entity must be a JSON object")
    convert_name = ctx.expand_attribute if expand else ctx.compact_attribute
    convert_type = ctx.expand_type if expand else ctx.compact_type
    out: dict[str, Any] = {}
    for key, member in entity.items():
        if key == "@context":
            continue
        if key in ENTITY_MEMBERS:
            out[key] = _map_types(member, convert_type) if key == "type" else member
        else:
            out[convert_name(key)] = _convert_attribute(member, ctx, expand)
    return out


def expand_entity(
    entity: Mapping[str, Any], context: Any = None, *, resolver: ContextResolver | None = None
) -> dict[str, Any]:
    """The entity with its type(s), attribute and sub-attribute names expanded to IRIs (§5.5.7).

    ``context`` is the request's @context (URL, object, array, or an :class:`ActiveContext`); when None, the
    entity's own ``@context`` member is used, or the core context. ``@context`` is dropped from the result.
    """
    if context is None and isinstance(entity, Mapping):
        context = entity.get("@context")
    return _convert_entity(entity, build_context(context, resolver=resolver), expand=True)


def compact_entity(
    entity: Mapping[str, Any],
    context: Any = None,
    *,
    resolver: ContextResolver | None = None,
    include_context: bool = False,
) -> dict[str, Any]:
    """The inverse of :func:`expand_entity`: short names under ``context`` (full IRIs where none applies).

    With ``include_context`` the given @context is added as the ``@context`` member (``application/ld+json``
    responses); otherwise the API layer sends it in a Link header.
    """
    out = _convert_entity(entity, build_context(context, resolver=resolver), expand=False)
    if include_context:
        out["@context"] = context if context is not None else CORE_CONTEXT_URL
    return out


# ------------------------------------------------------------------------------------ simplified (keyValues)


def simplify_entity(entity: Mapping[str, Any]) -> dict[str, Any]:
    """The simplified (keyValues) representation of a normalized entity (CIM 009 §4.5.4): each attribute
    replaced by the value member of its first instance (``value``, ``object``, ``languageMap``…); names are
    left as they are (compact them first, or use :func:`compact_simplified`)."""
    out: dict[str, Any] = {}
    for key, member in entity.items():
        if key in ("id", "type", "@context", "createdAt", "modifiedAt") or not isinstance(
            member, dict | list
        ):
            out[key] = member
            continue
        first = member[0] if isinstance(member, list) and member else member
        if isinstance(first, dict):
            kind = first.get("type", "Property")
            out[key] = first.get(VALUE_MEMBER.get(kind, "value"), first.get("value"))
        else:
            out[key] = member
    return out


def compact_simplified(document: Mapping[str, Any], active: ActiveContext) -> dict[str, Any]:
    """``simplify_entity(compact_entity(document, active))`` without compacting what the simplified form
    drops: names are compacted and, of each attribute, only its first instance's value member is kept (a
    VocabProperty's vocab compacted as a type, as compaction does). Compacting every member of a normalized
    document first cost more than the rest of a keyValues query."""
    out: dict[str, Any] = {}
    for key, member in document.items():
        if key == "@context":
            continue
        if key in ENTITY_MEMBERS:
            out[key] = _map_types(member, active.compact_type) if key == "type" else member
            continue
        name = active.compact_attribute(key)
        if not isinstance(member, dict | list):
            out[name] = member
            continue
        first = member[0] if isinstance(member, list) and member else member
        if not isinstance(first, dict):
            out[name] = _convert_attribute(member, active, False)
            continue
        kind = first.get("type", "Property")
        value_member = VALUE_MEMBER.get(kind, "value")
        if value_member in first:
            value = first[value_member]
            if value_member == "vocab" and first.get("type") == "VocabProperty":
                value = _map_types(value, active.compact_type)
        else:
            value = first.get("value")
        out[name] = value
    return out


# ---------------------------------------------------------------------------------------- Link header

_LINK_RE = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]+)*)")


def parse_link_header(header: str | None) -> str | None:
    """The URL of the JSON-LD context in an HTTP ``Link`` header (rel ``http://www.w3.org/ns/json-ld#context``).

    Raises BadRequestData when several context links are given (JSON-LD 1.1 API §9.4.1).
    """
    if not header:
        return None
    found = []
    for match in _LINK_RE.finditer(header):
        url, params = match.group(1).strip(), match.group(2)
        rel = None
        for param in params.split(";"):
            name, _, raw = param.strip().partition("=")
            if name.strip().lower() == "rel":
                rel = raw.strip().strip('"')
        if rel and JSONLD_CONTEXT_REL in rel.split():
            found.append(url)
    if len(found) > 1:
        raise BadRequestData("the Link header gives more than one JSON-LD context")
    return found[0] if found else None


def link_header(url: str) -> str:
    """A ``Link`` header value pointing at a JSON-LD context, as NGSI-LD responses send it."""
    return f'<{url}>; rel="{JSONLD_CONTEXT_REL}"; type="application/ld+json"'
