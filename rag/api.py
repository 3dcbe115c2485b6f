"""The public facade: `Assistant` builds or opens an index and answers questions with citations."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from . import many
from .answer import ABSTENTION, ExtractiveAnswerer
from .config import LLMConfig, Settings
from .dates import Window, within
from .embed import Embedder, make_embedder
from .errors import IndexMismatch, NoDocuments, RagError
from .followup import standalone
from .generate import LLMAnswerer, chat_model, final
from .loaders import LoadResult, load
from .meetings import Meeting
from .meetings import kinds as meeting_kinds
from .milvus import MilvusEngine, connect, failing, parse_uri, sync
from .retrieve import Engine, LocalEngine, Retriever
from .store import BuildStats, IndexStore, build_lock, manifest_revision
from .types import Answer, Chunk, Document, Hit

Sources = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
log = logging.getLogger(__name__)


class Assistant:
    """Question answering over an index of meeting records.

    Build with `Assistant.build` or open with `Assistant.load`; then `ask`, `search`, `add`, `remove`.
    The embedding model is loaded on the first question or build, not before. Answers come from a
    chat model when one is configured (``RAG_LLM_*`` or `use_llm`), extractively otherwise.

    Every method that returns text takes ``collections``: the collections the caller may read
    (None: all of them). Documents of other collections are filtered out where they are read — inside
    retrieval and the meeting facts — so no text, title or id of theirs reaches an answer.
    """

    def __init__(
        self, store: IndexStore, embedder: Embedder, settings: Settings | None = None, llm: LLMConfig | None = None
    ) -> None:
        self.embedder = embedder
        self.settings = settings or Settings.from_env(index_dir=str(store.path))
        self._live = _Live.of(store, embedder, self.settings.store_token)
        self.last_build: BuildStats | None = None
        self.last_load: LoadResult | None = None
        self.llm_config = llm or self.settings.llm
        self._llm: LLMAnswerer | None = None

    # The index in use, its retriever and its answerer change together, in one assignment, when
    # documents are added or removed: a question asked meanwhile uses the old or the new, never a mix.
    @property
    def store(self) -> IndexStore:
        return self._live.store

    @property
    def retriever(self) -> Retriever:
        return self._live.retriever

    @property
    def answerer(self) -> ExtractiveAnswerer:
        return self._live.answerer

    def use_llm(self, config: LLMConfig | None) -> None:
        """Answer with this chat model from now on; None for extractive answers only."""
        self.llm_config, self._llm = config, None

    @property
    def llm(self) -> LLMAnswerer | None:
        """The generative answerer, made on first use; None when no chat model is configured."""
        if self.llm_config is None:
            return None
        if self._llm is None:
            self._llm = LLMAnswerer(chat_model(self.llm_config), self.answerer, timeout=self.llm_config.timeout)
        return self._llm

    def as_retriever(self, k: int = 5, collections: Sequence[str] | None = None) -> Any:
        """A LangChain ``BaseRetriever`` over this index (of ``collections`` only; None: all):
        Documents with the citation metadata."""
        from .adapters import retriever

        return retriever(self, k, _check_collections(collections))

    # ------------------------------------------------------------------------------ construction

    @classmethod
    def load(
        cls,
        index_dir: str | os.PathLike[str] | None = None,
        *,
        model: str | None = None,
        backend: str | None = None,
        embedder: Embedder | None = None,
    ) -> Assistant:
        """Open an existing index. The model and backend recorded in its manifest are used unless
        others are given, which must then be the same."""
        settings = Settings.from_env(index_dir=None if index_dir is None else str(index_dir))
        store = IndexStore.load(settings.index_dir)
        embedder = embedder or make_embedder(
            model or store.model_name, backend or store.model_backend, cache_dir=settings.cache_dir
        )
        used = (embedder.name, embedder.backend)
        if used != (store.model_name, store.model_backend):
            raise IndexMismatch(
                f"index in '{settings.index_dir}' was built with model '{store.model_name}' "
                f"({store.model_backend}), not '{used[0]}' ({used[1]}): drop --model/--backend, or rebuild "
                f"with `rag index SOURCES --index {settings.index_dir} --model {used[0]} --backend {used[1]}`"
            )
        return cls(store, embedder, settings)

    @classmethod
    def build(
        cls,
        sources: Sources,
        index_dir: str | os.PathLike[str] | None = None,
        *,
        model: str | None = None,
        backend: str | None = None,
        embedder: Embedder | None = None,
        chunk_size: int | None = None,
        chunk_overlap: int | None = None,
        max_file_mb: float | None = None,
        on_plan: Callable[[int], None] | None = None,
        progress: Callable[[int], None] | None = None,
        merge: bool = False,
        store: str | None = None,
    ) -> Assistant:
        """Make the index at ``index_dir`` mirror ``sources``: new and changed documents are embedded,
        unchanged ones reused, vanished ones removed; only what changed is written, unless ``merge``
        (one segment of everything). Unreadable files, and files over ``max_file_mb`` (default 10,
        ``RAG_MAX_FILE_MB``), are listed with their reasons in ``last_load``. ``store`` is where
        searches run (``RAG_STORE``): ``local``, or a Milvus address that then mirrors the index
        (`rag.milvus`); None keeps what the index records."""
        sources = _paths(sources)  # read twice: loaded, then recorded in the manifest
        loaded = _load(sources, max_file_mb)
        if not loaded.documents:
            reasons = "; ".join(f"{w}: {r}" for w, r in loaded.skipped[:3]) or "no supported files found"
            more = f" and {len(loaded.skipped) - 3} more" if len(loaded.skipped) > 3 else ""
            raise NoDocuments(f"no readable documents in the sources ({reasons}{more})", loaded.skipped)
        assistant = cls.from_documents(
            loaded.documents,
            index_dir,
            model=model,
            backend=backend,
            embedder=embedder,
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            on_plan=on_plan,
            progress=progress,
            merge=merge,
            store=store,
            _sources=[os.path.abspath(src) for src in sources],
        )
        assistant.last_load = loaded
        return assistant

    @classmethod
    def open(
        cls,
        sources: Sources,
        index_dir: str | os.PathLike[str] | None = None,
        *,
        on_plan: Callable[[int], None] | None = None,
        progress: Callable[[int], None] | None = None,
        replace: bool = False,
    ) -> Assistant:
        """The index at ``index_dir``, first built from ``sources`` when it is missing, unreadable
        or does not hold exactly their current documents.

        An index built from other files (``rag index OTHER --index DIR``) is opened as it is, never
        replaced by one of ``sources``, unless ``replace``; `last_load` is then None."""
        index_dir = index_dir if index_dir is not None else Settings.from_env().index_dir
        sources = _paths(sources)
        if not replace and IndexStore.exists(index_dir):
            try:  # an older format too: an index of other files is never replaced (`load` says to rebuild)
                built_from = IndexStore.read_manifest(index_dir, strict=False).get("sources")
            except RagError:
                built_from = None  # unreadable: rebuilt below
            else:
                if not _inside(built_from, sources):
                    return cls.load(index_dir)
        loaded = _load(sources)
        if IndexStore.exists(index_dir):
            try:
                manifest = IndexStore.read_manifest(index_dir)
                if manifest["documents"] == {d.doc_id: d.content_hash for d in loaded.documents} and manifest.get(
                    "collections"
                ) == {d.doc_id: d.collection for d in loaded.documents if d.collection}:
                    assistant = cls.load(index_dir)
                    assistant.last_load = loaded
                    return assistant
            except RagError:
                pass
        if not loaded.documents:
            raise NoDocuments(f"no readable documents in {', '.join(map(str, sources))}", loaded.skipped)
        assistant = cls.from_documents(
            loaded.documents,
            index_dir,
            on_plan=on_plan,
            progress=progress,
            _sources=[os.path.abspath(src) for src in sources],
        )
        assistant.last_load = loaded
        return assistant

    @classmethod
    def from_documents(
        cls,
        documents: Sequence[Document],
        index_dir: str | os.PathLike[str] | None = None,
        *,
        model: str | None = None,
        backend: str | None = None,
        embedder: Embedder | None = None,
        chunk_size: int | None = None,
        chunk_overlap: int | None = None,
        on_plan: Callable[[int], None] | None = None,
        progress: Callable[[int], None] | None = None,
        merge: bool = False,
        store: str | None = None,
        _sources: Sequence[str] | None = None,
    ) -> Assistant:
        """Like `build`, from `Document` objects made elsewhere (e.g. an evaluation set)."""
        if not documents:
            raise NoDocuments("no documents to index")
        settings = Settings.from_env(
            index_dir=None if index_dir is None else str(index_dir),
            model=embedder.name if embedder else model,
            backend=None if embedder else backend,
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            store=store,
        )
        if settings.store not in (None, "local"):
            parse_uri(settings.store)  # a wrong address is said before anything is written
        embedder = embedder or make_embedder(settings.model, settings.backend, cache_dir=settings.cache_dir)
        with build_lock(settings.index_dir):
            previous = _previous(settings.index_dir)
            uri = _store_uri(settings.store, previous)
            if uri is not None:
                connect(uri, settings.store_token)  # a wrong address or a busy file: said before the work
            index, stats = IndexStore.build(
                settings.index_dir,
                documents,
                embedder,
                chunk_size=settings.chunk_size,
                chunk_overlap=settings.chunk_overlap,
                previous=previous,
                sources=_sources,
                on_plan=on_plan,
                progress=progress,
                merge=merge,
                store_uri=uri,
            )
            _mirror(uri, settings.store_token, index, previous)
        assistant = cls(index, embedder, settings)
        assistant.last_build = stats
        return assistant

    def add(
        self,
        sources: Sources,
        *,
        collection: str | None = None,
        on_plan: Callable[[int], None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> LoadResult:
        """Add (or update) the documents in ``sources``; the others stay. Returns what was read.
        ``collection`` puts the files read into that collection (an upload); by default it is the
        first folder under each source folder, as for `build`."""
        sources = _paths(sources)
        loaded = _load(sources, self.settings.max_file_mb, collection)
        if loaded.documents:
            added = [os.path.abspath(src) for src in sources]
            self._rebuild(lambda docs: [*docs, *loaded.documents], added, on_plan, progress)
        self.last_load = loaded
        return loaded

    def refresh(
        self,
        *,
        on_plan: Callable[[int], None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> LoadResult:
        """Read the sources the index was built from again: new and changed documents are indexed,
        documents no longer there are removed, the others keep their vectors. Returns what was read.

        Raises:
            NoDocuments: nothing readable is left in the sources (the index is kept as it was).
        """
        given = [Path(s) for s in self.store.manifest.get("sources") or []]
        # a file added into a source folder (an upload) is read with the folder, in its collection
        sources = [str(s) for s in given if not any(f != s and f.is_dir() and s.is_relative_to(f) for f in given)]
        loaded = _load(sources, self.settings.max_file_mb)
        if not loaded.documents:
            raise NoDocuments(f"no readable documents in {', '.join(sources) or 'the sources'}", loaded.skipped)
        self._rebuild(lambda docs: list(loaded.documents), (), on_plan, progress)
        self.last_load = loaded
        return loaded

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by id; returns how many were in the index."""
        wanted = set(doc_ids)
        removed = 0

        def change(docs: list[Document]) -> list[Document]:
            nonlocal removed
            kept = [d for d in docs if d.doc_id not in wanted]
            removed = len(docs) - len(kept)
            return kept

        self._rebuild(change)
        return removed

    def _rebuild(
        self,
        change: Callable[[list[Document]], list[Document]],
        added_sources: Sequence[str] = (),
        on_plan: Callable[[int], None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Apply ``change`` to the documents of the index as it is on disk now, under the build lock:
        updates from other processes or threads since this one loaded it are kept."""
        path = self.store.path
        with build_lock(path):
            current = self.store
            if manifest_revision(current.manifest) != manifest_revision(IndexStore.read_manifest(path)):
                current = IndexStore.load(path)  # rebuilt by someone else meanwhile
            before = list(current.documents.values())
            after = change(before)
            if after == before:
                if current is not self.store:
                    self._live = _Live.of(current, self.embedder, self.settings.store_token)
                return
            size, overlap = current.chunk_settings
            sources = [*(current.manifest.get("sources") or []), *added_sources]
            uri = current.manifest.get("store")
            store, stats = IndexStore.build(
                path,
                after,
                self.embedder,
                chunk_size=size,
                chunk_overlap=overlap,
                previous=current,
                sources=list(dict.fromkeys(sources)),
                on_plan=on_plan,
                progress=progress,
                store_uri=uri,
            )
            try:
                _mirror(uri, self.settings.store_token, store, current)
            finally:
                self._live = _Live.of(store, self.embedder, self.settings.store_token)
                self.last_build = stats

    # ---------------------------------------------------------------------------------- querying

    def search(
        self,
        question: str,
        k: int | None = None,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        doc_ids: Sequence[str] | None = None,
        collections: Sequence[str] | None = None,
    ) -> list[Hit]:
        """The passages most relevant to ``question`` (hybrid BM25 + dense), best first, from
        ``collections`` only (None: all)."""
        _check_query(question, k, date_from, date_to)
        collections = _check_collections(collections)
        return self.retriever.search(
            question,
            k or self.settings.k,
            date_from=date_from,
            date_to=date_to,
            doc_ids=doc_ids,
            collections=collections,
        )

    def stream(
        self,
        question: str,
        k: int | None = None,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        doc_ids: Sequence[str] | None = None,
        history: Sequence[str] = (),
        collections: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Answer ``question`` as a stream: a chat model's reply in pieces as it arrives (before the
        citation check), then the checked `Answer` as the last item. Without a chat model only the
        `Answer` comes. Arguments as for `ask`.

            for part in assistant.stream("出席活动的副市长是谁？"):
                print(part if isinstance(part, str) else part.text)
        """
        documents = self._live.store.documents  # the citations' pages (PDF, scans) are read there
        for part in self._stream(question, k, date_from, date_to, doc_ids, history, collections):
            yield part if isinstance(part, str) else _paged(part, documents)

    def _stream(
        self,
        question: str,
        k: int | None,
        date_from: str | None,
        date_to: str | None,
        doc_ids: Sequence[str] | None,
        history: Sequence[str],
        collections: Sequence[str] | None,
    ) -> Iterator[str | Answer]:
        """`stream`, its citations without their pages."""
        _check_query(question, k, date_from, date_to)
        collections = _check_collections(collections)
        live, llm = self._live, self.llm  # one index for the whole question
        scope = live.scope(collections)  # the documents and meeting facts the caller may read
        if history:  # the caller's own earlier questions: nothing of the index is read here
            question = self.standalone(question, history)
        facts = _Facts(None) if date_from or date_to or doc_ids else self._from_facts(question, scope)
        if facts.answer is not None:
            if facts.answer.found and llm is not None:  # the model writes from the composed list's passages
                yield from llm.stream(question, _passages(facts.answer), base=facts.answer)
            else:
                yield facts.answer
            return
        span = None if date_from or date_to or doc_ids else many.asked_window(question, self.settings.today_date)
        if span is not None and _dated_within(scope.documents, span):  # 去年…几次: the passages of that year
            date_from, date_to = span.start, span.end
        hits = live.retriever.search(
            question,
            k or self.settings.k,
            date_from=date_from,
            date_to=date_to,
            doc_ids=doc_ids,
            collections=collections,
        )
        parts = (
            llm.stream(question, hits, fallback=live.answerer) if llm else iter([live.answerer.answer(question, hits)])
        )
        if facts.not_found is None or facts.kind is None:
            yield from parts
            return
        # about a kind of meeting the facts hold none of then (or none with the question's person): an
        # answer that never names it (or that person) is not one, and the model's pieces wait for that check
        pieces: list[str] = []
        for part in parts:
            if not isinstance(part, Answer):
                pieces.append(part)
            elif part.found and (
                not many.names_kind(part.text, facts.kind)
                or (facts.person and facts.person not in part.text)
                or not all(w in part.text for w in facts.words)
            ):
                yield facts.not_found
            else:
                yield from pieces
                yield part

    def _from_facts(self, question: str, scope: _Scope) -> _Facts:
        """The answer to a question about many meetings from the meeting facts, or from the reports of
        a recurring event that no meeting kind names; none when the passages are to answer it (with,
        for a known kind, what to say when their answer does not name it)."""
        today = self.settings.today_date
        intent = scope.intent(question, today)
        # 最近一次赵乐际同列席代表座谈: no meeting named, of a kind or not; the reports whose heads write its words
        unnamed = intent is None or (intent.kind is None and intent.asked_kind is None and intent.medium is None)
        if unnamed and (listed := many.reports(question, scope.documents, scope.people, today, lambda: scope.corpus)):
            return _Facts(listed)
        if intent is None:
            return _Facts(None)
        composed = many.compose(intent, scope.records, scope.documents, lambda: scope.corpus)
        if intent.aggregate == "when" and not composed.found and intent.session is None:
            return _Facts(None)  # the day of a meeting the facts do not hold then: the passages may tell
        # a known kind of meeting that the facts do not hold in that window may still be in the
        # reports or the passages; a kind no record reports, a window no record is dated in, a presider
        # who never presided it, or a numbered session no record reports (第二十四次会议), is not found
        window = intent.window
        # the meetings asked about, when a numbered session or an object is asked for (selected once)
        held = (
            many.select(intent, scope.records, scope.documents)
            if not composed.found and (intent.session is not None or intent.object_kind is not None)
            else []
        )
        if (
            composed.found
            or intent.kind is None
            or (window and not _dated_within(scope.documents, window))
            or many.presider_absent(intent, scope.records)
            or (intent.session is not None and not held)
            # the meetings are there and none did what is asked (2023年全国人大常委会…哪些条例): a passage that
            # shares the words would be another body's
            or (intent.object_kind is not None and bool(held))
        ):
            return _Facts(composed)  # found, or known not to be there: no such kind, time or presider
        if listed := many.reports(question, scope.documents, scope.people, today, lambda: scope.corpus):
            return _Facts(listed)
        if intent.aggregate == "count":  # passages hold no count: 今年…开了几次 a kind the facts hold none of then
            return _Facts(composed)
        asked_for = tuple(w for w in (intent.qualifier, intent.object_kind) if w and w not in ("文件", "会议"))
        return _Facts(None, composed, intent.kind, intent.person if intent.role else None, asked_for)

    def standalone(self, question: str, history: Sequence[str]) -> str:
        """``question`` as it is searched in a conversation whose earlier questions are ``history``:
        a follow-up ("那次会议还部署了什么？") completed from them (by the chat model when one is
        configured), any other question as it is."""
        if not history:
            return question
        llm = self.llm
        return llm.rewrite(question, history) if llm else standalone(question, history)

    def ask(
        self,
        question: str,
        k: int | None = None,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        doc_ids: Sequence[str] | None = None,
        history: Sequence[str] = (),
        collections: Sequence[str] | None = None,
    ) -> Answer:
        """A short answer with ``[n]`` markers and its citations; ``found`` is False when the index
        holds nothing relevant. ``history`` holds the earlier questions of a conversation: a
        follow-up ("那次会议还审议了什么？") is read in their context. ``k`` passages are retrieved
        (default 5); ``date_from`` / ``date_to`` (``YYYY-MM-DD``), ``doc_ids`` and ``collections``
        (the ones the caller may read; None: all) restrict them."""
        return final(
            self.stream(
                question,
                k,
                date_from=date_from,
                date_to=date_to,
                doc_ids=doc_ids,
                history=history,
                collections=collections,
            )
        )

    def meetings(
        self,
        kind: str | None = None,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        person: str | None = None,
        role: str | None = None,
        collections: Sequence[str] | None = None,
    ) -> list[Meeting]:
        """The meetings the documents report, by date: of a ``kind`` (as in `meeting_kinds`, or a part
        of it: ``常务会议``), held between ``date_from`` and ``date_to`` (``YYYY-MM-DD``, both included),
        with ``person`` named in them in ``role`` (``presided``, ``attended``, ``spoke``, ``reported``;
        any role when None), reported by documents of ``collections`` (None: all)."""
        _check_dates(date_from, date_to)
        scope = self._live.scope(_check_collections(collections))
        return [
            m
            for m in sorted(scope.meetings, key=lambda m: m.date or "")
            if (kind is None or kind in m.kind)
            and ((date_from is None and date_to is None) or within(m.date, date_from or "0000", date_to or "9999"))
            and (person is None or any(p.name == person and role in (None, p.role) for p in m.people))
        ]

    def meeting_kinds(self, collections: Sequence[str] | None = None) -> dict[str, int]:
        """The kinds of meetings in the index (in ``collections``; None: all), with how many
        documents report each, most first."""
        return dict(self._live.scope(_check_collections(collections)).kinds)

    def document(self, doc_id: str, collections: Sequence[str] | None = None) -> Document | None:
        """A whole normalized document, e.g. to show a citation in context; None when there is no
        such document or it is outside ``collections`` (None: all), the same answer for both."""
        return self._live.scope(_check_collections(collections)).documents.get(doc_id)

    def documents(self, collections: Sequence[str] | None = None) -> list[Document]:
        """The documents of the index, of ``collections`` only (None: all)."""
        return list(self._live.scope(_check_collections(collections)).documents.values())

    def collections(self) -> dict[str, int]:
        """Each collection of the index with its number of documents, by name ("" is the default
        collection: files directly in a folder that was indexed)."""
        return dict(sorted(Counter(d.collection for d in self.store.documents.values()).items()))


@dataclass(frozen=True)
class _Facts:
    """What the meeting facts say of a question: its ``answer``, or None for the passages to answer
    it; then, for a ``kind`` of meeting the facts hold none of in its window, the ``not_found`` answer
    to give when the passages' answer does not name that kind (or the ``person`` asked about)."""

    answer: Answer | None
    not_found: Answer | None = None
    kind: str | None = None
    person: str | None = None  # the person the question names in a role, whom the answer must name too
    words: tuple[str, ...] = ()  # what the question asks for (“十五五” 规划), which the answer must write too


@dataclass(frozen=True)
class _Scope:
    """What a caller may read of an index: the documents of their collections, the meeting facts of
    those documents, the kinds of meetings these report (with how many documents report each) and
    the people named in them. Questions about many meetings are parsed and answered within it, so
    that neither the answer nor its wording comes from a collection the caller may not read."""

    documents: Mapping[str, Document]
    meetings: list[Meeting]
    records: list[Meeting]  # the meetings and the documents of a series (many.document_series)
    kinds: dict[str, int]
    people: frozenset[str]
    record_kinds: dict[str, int]  # the kinds of meetings and of series, that questions may name

    @classmethod
    def of(cls, documents: Mapping[str, Document], meetings: Sequence[Meeting]) -> _Scope:
        # each meeting once, those held besides the one a document reports in their own right
        kept = [x for m in meetings if m.doc_id in documents for x in (replace(m, also=()), *m.also)]
        records = [*kept, *many.document_series(documents)]
        people = frozenset(p.name for m in kept for p in m.people)
        return cls(documents, kept, records, meeting_kinds(kept), people, meeting_kinds(records))

    @cached_property
    def corpus(self) -> many.Corpus:
        """The documents joined for counting the reports that write a word, made on the first question
        that needs it."""
        return many.Corpus(self.documents)

    def intent(self, question: str, today: dt.date) -> many.Intent | None:
        """The intent of a question about many meetings, or None."""
        return many.parse(question, self.record_kinds, self.people, today)


_SCOPES = 64  # scopes kept per index: one per group of collections that asks


@dataclass(frozen=True)
class _Live:
    """An index with the retriever and answerer made for it, and its scopes: everything, and the
    part of each set of collections asked for so far."""

    store: IndexStore
    retriever: Retriever
    answerer: ExtractiveAnswerer
    everything: _Scope
    _scopes: dict[frozenset[str], _Scope] = field(default_factory=dict, compare=False, repr=False)

    @property
    def kinds(self) -> dict[str, int]:
        return self.everything.kinds

    @property
    def people(self) -> frozenset[str]:
        return self.everything.people

    @classmethod
    def of(cls, store: IndexStore, embedder: Embedder, token: str = "") -> _Live:
        def text(doc_id: str) -> str:
            doc = store.documents.get(doc_id)
            return doc.text if doc else ""

        return cls(
            store,
            Retriever(store, embedder, engine=_engine(store, token)),
            ExtractiveAnswerer(
                store.idf, document_text=text, abstention=ABSTENTION if ABSTENTION.model == store.model_name else None
            ),
            _Scope.of(store.documents, store.meetings),
        )

    def scope(self, collections: Sequence[str] | None) -> _Scope:
        """What a caller who may read ``collections`` (None: all) may read of this index."""
        if collections is None:
            return self.everything
        key = frozenset(collections)
        scope = self._scopes.get(key)
        if scope is None:
            documents = {i: d for i, d in self.store.documents.items() if d.collection in key}
            scope = _Scope.of(documents, self.store.meetings)
            if len(self._scopes) >= _SCOPES:
                self._scopes.clear()
            self._scopes[key] = scope
        return scope


def _dated_within(documents: Mapping[str, Document], window: Window) -> bool:
    """Whether any record is dated inside ``window``."""
    return any(within(d.date, window.start, window.end) for d in documents.values())


def _paged(answer: Answer, documents: Mapping[str, Document]) -> Answer:
    """``answer`` with the page of each citation of a paged file (PDF, scan): the page of the first
    sentence it quotes, else of the start of its passage (a passage may run over two pages)."""
    quoted = {q.n: q.start for q in reversed(answer.quotes)}
    pages = [
        doc.page_at(c.start + quoted.get(c.n, 0)) if (doc := documents.get(c.doc_id)) else None
        for c in answer.citations
    ]
    if not any(pages):
        return answer
    return replace(answer, citations=tuple(replace(c, page=p) for c, p in zip(answer.citations, pages, strict=True)))


def _passages(answer: Answer) -> list[Hit]:
    """The cited passages of an answer as retrieved passages, numbered as in the answer."""
    return [
        Hit(Chunk(f"{c.doc_id}@{c.start}", c.doc_id, c.text, c.start, c.end, c.title, c.date, c.source), c.score)
        for c in sorted(answer.citations, key=lambda c: c.n)
    ]


MAX_QUESTION = 1000  # characters; a question is a sentence or two, and its cost grows with its length


MAX_K = 50  # passages for one question


def _check_query(question: object, k: object, date_from: object, date_to: object) -> None:
    """The same checks for every caller (CLI, web page, ``/ask``, scripts), each a one-line error."""
    if not isinstance(question, str) or not question.strip():
        raise RagError("ask a question: the question is empty")
    if len(question) > MAX_QUESTION:
        raise RagError(f"the question is {len(question):,} characters long; at most {MAX_QUESTION:,} are read")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K):
        raise RagError(f"k (passages) must be a whole number from 1 to {MAX_K}, not {k!r}")
    _check_dates(date_from, date_to)


def _check_collections(collections: object) -> list[str] | None:
    """The collections a caller may read as a list of names (None: all). A single string is refused:
    read as a sequence it would be its characters."""
    if collections is None:
        return None
    if isinstance(collections, str | bytes) or not isinstance(collections, Iterable):
        raise RagError(f"collections must be a list of collection names, not {collections!r}")
    names = list(collections)
    if not all(isinstance(c, str) for c in names):
        raise RagError(f"collections must be a list of collection names, not {names!r}")
    return names


def _check_dates(date_from: object, date_to: object) -> None:
    for name, value in (("from", date_from), ("to", date_to)):
        if value is not None and not _is_iso_day(value):
            raise RagError(f"the date '{name}' must be written YYYY-MM-DD, not {value!r}")
    if date_from and date_to and str(date_from) > str(date_to):
        raise RagError(f"the date range is empty: from {date_from} is after to {date_to}")


def _is_iso_day(value: object) -> bool:
    import datetime as dt

    try:
        return isinstance(value, str) and len(value) == 10 and dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def _inside(built_from: object, sources: Sequence[str | os.PathLike[str]]) -> bool:
    """Whether every path an index was built from is one of ``sources`` or inside one (uploads)."""
    if not isinstance(built_from, list) or not built_from:
        return False
    roots = [os.path.abspath(src) for src in sources]
    return all(
        isinstance(p, str) and any(p == root or p.startswith(root.rstrip(os.sep) + os.sep) for root in roots)
        for p in built_from
    )


def _paths(sources: Sources) -> list[str | os.PathLike[str]]:
    """One path or several, as a list (a single string is one path, not its letters)."""
    return [sources] if isinstance(sources, str | os.PathLike) else list(sources)


def _load(sources: Sources, max_file_mb: float | None = None, collection: str | None = None) -> LoadResult:
    return load(sources, max_bytes=Settings.from_env(max_file_mb=max_file_mb).max_file_bytes, collection=collection)


def _store_uri(asked: str | None, previous: IndexStore | None) -> str | None:
    """The search engine an index is built for: the one asked for (``local``: none), else the one its
    manifest records. A Milvus Lite path is made absolute, so that later commands find it from anywhere."""
    if asked is None:
        recorded = previous.manifest.get("store") if previous is not None else None
        return recorded if isinstance(recorded, str) else None
    if asked == "local":
        return None
    target = parse_uri(asked)
    return f"milvus:{Path(target.address).resolve()}" if target.kind == "lite" else asked


def _mirror(uri: str | None, token: str, store: IndexStore, previous: IndexStore | None) -> None:
    """Bring the Milvus store at ``uri`` up to ``store`` (nothing when there is none); the index
    itself is written before, so a failure here loses nothing: searches use its own files meanwhile."""
    if uri is None:
        return
    try:
        sync(connect(uri, token), store, previous)
    except RagError as exc:
        raise RagError(
            f"the index in '{store.path}' was written, but the Milvus store was not updated ({exc}); "
            f"searches use the index's own files until `rag index` runs again"
        ) from exc


def _engine(store: IndexStore, token: str) -> Engine[Any]:
    """Where searches of ``store`` run: the Milvus store its manifest records when that store holds
    this very revision, else (none, unreachable, or not updated) the index's own files."""
    uri = store.manifest.get("store")
    if not isinstance(uri, str):
        return LocalEngine(store)
    try:
        milvus = connect(uri, token)
        with failing(f"the Milvus store {uri} did not answer"):
            mirrored = milvus.mirrors(store.manifest)
        if mirrored:
            return MilvusEngine(milvus, store)
        log.warning("the Milvus store %s does not hold this index yet: searching its own files", uri)
    except RagError as exc:
        log.warning("%s: searching the index's own files", exc)
    return LocalEngine(store)


def _previous(index_dir: str) -> IndexStore | None:
    """The existing index to reuse vectors from, if it can be read; otherwise build from scratch."""
    if not IndexStore.exists(index_dir):
        return None
    try:
        return IndexStore.load(Path(index_dir), strict=False)
    except RagError:  # an index of another format or a broken one is simply replaced
        return None
