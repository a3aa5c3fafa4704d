"""Hybrid retrieval: dense and keyword rankings fused by reciprocal rank."""

from conftest import LAVROV_DOC, LAVROV_QUESTION

from assistant import Assistant, Settings
from assistant.embeddings import get_embedder
from assistant.retrieval import reciprocal_rank_fusion


def test_rrf_rewards_items_both_rankings_agree_on():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d", "a"]], k=60)
    order = [item for item, _ in fused]
    assert order == ["b", "a", "d", "c"]  # b: 1/62 + 1/61 beats a: 1/61 + 1/63
    assert dict(fused)["b"] == 1 / 62 + 1 / 61


def test_lavrov_question_retrieves_the_agenda_passage_first(seed_assistant):
    passages = seed_assistant.retrieve(LAVROV_QUESTION, k=5)
    assert len(passages) == 5
    assert passages[0].doc_id == LAVROV_DOC and "the agenda is not ready yet" in passages[0].text
    assert passages[0].dense_rank is not None and passages[0].keyword_rank is not None
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)


def test_every_passage_is_the_article_text_at_its_offsets(seed_assistant):
    for passage in seed_assistant.retrieve("Tomahawk missiles for Ukraine", k=8):
        article = seed_assistant.document(passage.doc_id)
        assert article.text[passage.start:passage.end] == passage.text
        assert passage.title == article.title


def test_keyword_ranking_finds_a_rare_name_the_embedding_misses(seed_assistant):
    index = seed_assistant.index
    query = "Komsomelets"
    dense = index.store.query(get_embedder().embed([query])[0], 3)
    assert len(dense) == 3 and not any(query in c.text for c in dense)  # the embedding alone misses it
    hybrid = seed_assistant.retrieve(query, k=3)
    assert hybrid[0].doc_id == "004_f1ed1702999ca14b" and hybrid[0].keyword_rank == 1
    assert query in hybrid[0].text
    assert index.catalogue.search(query, 3)[0][0] == hybrid[0].chunk_id


def test_paraphrase_is_found_by_the_embedding(seed_assistant):
    passages = seed_assistant.retrieve("Which Hungarian city was chosen to host the next Putin summit?", k=5)
    assert any("Budapest" in p.text for p in passages[:3])


def test_k_is_respected(seed_assistant):
    assert len(seed_assistant.retrieve("Putin", k=2)) == 2
    assert len(seed_assistant.retrieve("Putin", k=12)) == 12


def _archive(folder, articles):
    folder.mkdir()
    for name, title, text in articles:
        (folder / f"{name}.txt").write_text(f"{title}\n{text}\n", encoding="utf-8")
    return folder


FILLER = ("The port authority met on a grey morning to review the shipping season, the dredging works, "
          "the new cranes on the eastern quay and the repairs to the lighthouse road. ")


def test_a_quoted_phrase_brings_the_passage_that_says_it_word_for_word_first(tmp_path):
    # Twenty articles use the same words; only one says them in the order the question quotes.
    words = "ferry timetable change spring storms harbour reopen winter".split()
    articles = [(f"a{i:02d}", f"Harbour news {i}",
                 FILLER + " ".join(words[(i + j) % len(words)] for j in range(len(words))) + " were discussed.")
                for i in range(20)]
    articles.append(("z-the-one", "Harbour news", FILLER + "The mayor said the harbour will reopen before winter."))
    a = Assistant(index_dir=tmp_path / "idx", corpus=[_archive(tmp_path / "news", articles)])
    top = a.retrieve("Who said “the harbour will reopen before winter”?", k=3)
    assert top[0].doc_id == "z-the-one"
    unquoted = a.retrieve("Who said harbour reopen winter?", k=3)  # the same words, not quoted: no such rule
    assert unquoted[0].score < top[0].score


def test_an_article_that_names_whom_the_question_asks_about_outranks_copies_that_do_not(tmp_path):
    # The statement is in the second chunk ("He said ..."); who "he" is stands only in the first.
    statement = "He said the ferry timetable would change in spring because of the winter storms."
    articles = [(f"a{i:02d}-{name}", "Harbour news", f"{name} is the harbour master. " + FILLER * 2 + statement)
                for i, name in enumerate(["Brennan", "Haddad", "Moreau", "Sato", "Varga", "Zhou"])]
    articles.append(("z-okafor", "Harbour news", "Okafor is the harbour master. " + FILLER * 2 + statement))
    settings = Settings(index_dir=tmp_path / "idx", corpus=(_archive(tmp_path / "news", articles),),
                        chunk_tokens=40, chunk_overlap_tokens=0)
    a = Assistant(settings=settings)
    found = a.retrieve("What did Okafor say about the ferry timetable?", k=4)
    saying = [p for p in found if statement in p.text]
    assert saying[0].doc_id == "z-okafor"  # before six identical passages of articles about others
    assert "Okafor" not in saying[0].text  # known through its article, not its own words
