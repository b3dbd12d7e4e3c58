"""The data set seeded into every system, defined once so that ours and Isso
hold the same comments. Standard library only: Isso's venv imports it too."""

import random
from dataclasses import dataclass

# The article whose comments the GET scenarios read: 50 approved comments,
# 35 threads and 15 replies (Isso nests one level, so replies are to roots).
BIG_ARTICLE = "bench/big"
BIG_ROOTS, BIG_REPLIES = 35, 15
# 200 small articles with 5 comments each (3 roots, 2 replies); the counts
# scenario asks for 20 of them.
SMALL_ARTICLES, SMALL_COMMENTS = 200, 5
COUNTS_ARTICLES = 20
# New comments of the POST scenarios go to an article of their own, so that
# they never change what the GET scenarios read.
POST_ARTICLE = "bench/post"
# The moderation queue: an article of pending comments, all by the author of
# the first comment (so that "more from this author" fills a page at every
# size), and in the filler one article in PENDING_EVERY with its last reply
# pending (2% of the comments).
QUEUE_ARTICLE, QUEUE_COMMENTS = "bench/queue", 60
PENDING_EVERY = 10
# Body variants: rendered once each, reused row after row.
BODY_VARIANTS = 16
AUTHORS = 400

_WORDS = (
    "the widget loads comments after the article and keeps the page fast while readers "
    "scroll through long threads about local news policy weather football and elections"
).split()


@dataclass(frozen=True)
class CommentSeed:
    """One comment to seed: ids are assigned by the seeder in list order."""

    article: str
    index: int        # position in its article, 0-based
    parent: int | None  # index of its parent in the same article, or None
    author: int       # index into authors()
    variant: int      # index into bodies()
    is_pending: bool = False  # waiting for a moderator, else approved


def small_article(number):
    return f"bench/small/{number:03d}"


def counts_articles():
    """The 20 article ids that the counts scenario asks about."""
    return [small_article(number) for number in range(0, SMALL_ARTICLES, SMALL_ARTICLES // COUNTS_ARTICLES)]


def isso_uri(article):
    """Isso keys threads by the page's path."""
    return "/" + article


def bodies(variants=BODY_VARIANTS, seed=1):
    """About 400-character bodies with links and emphasis, in both spellings:
    markup that ours keeps (<em>, <a href>) and Markdown that Isso renders."""
    rng = random.Random(seed)
    result = []
    for number in range(variants):
        words = " ".join(rng.choice(_WORDS) for _ in range(34))
        more = " ".join(rng.choice(_WORDS) for _ in range(12))
        result.append(
            f"Comment {number}: {words.capitalize()}, see <em>this report</em> at "
            f"https://news.example.org/2026/11/report-{number} and *the follow-up*.\n\n"
            f"{more.capitalize()} <a href=\"https://example.com/source/{number}\">source</a> "
            f"and **more** at https://example.net/{number}?ref=comments."
        )
    return result


def authors(count=AUTHORS):
    """(name, email, website) for each author; every fourth has a website."""
    return [
        (f"Reader {number}", f"Reader.{number}@Example.org",
         f"https://reader{number}.example.org/" if number % 4 == 0 else None)
        for number in range(count)
    ]


def article_comments(article, count, roots, number=0):
    """The comments of one article: `roots` threads, then replies spread over them."""
    comments = [CommentSeed(article, index, None, (number * 7 + index) % AUTHORS, (number + index) % BODY_VARIANTS)
                for index in range(roots)]
    for index in range(roots, count):
        parent = (index * 3) % roots
        comments.append(CommentSeed(article, index, parent, (number * 7 + index) % AUTHORS,
                                    (number + index) % BODY_VARIANTS))
    return comments


def base_dataset():
    """The standard data set, one article's list at a time: the big article,
    the 200 small ones and the queue's pending comments (1,110 comments)."""
    yield article_comments(BIG_ARTICLE, BIG_ROOTS + BIG_REPLIES, BIG_ROOTS)
    for number in range(SMALL_ARTICLES):
        yield article_comments(small_article(number), SMALL_COMMENTS, 3, number + 1)
    yield [CommentSeed(QUEUE_ARTICLE, index, None, 0, index % BODY_VARIANTS, is_pending=True)
           for index in range(QUEUE_COMMENTS)]


BASE_COMMENTS = BIG_ROOTS + BIG_REPLIES + SMALL_ARTICLES * SMALL_COMMENTS + QUEUE_COMMENTS


def filler(start_article, comment_count):
    """Comments on further articles, 5 each, to grow the database for the cost
    curve: yields one article's list at a time (10^6 comments stay a stream)."""
    for number in range(start_article, start_article + comment_count // SMALL_COMMENTS):
        comments = article_comments(f"bench/filler/{number:07d}", SMALL_COMMENTS, 3, number)
        if number % PENDING_EVERY == 0:
            comments[-1] = CommentSeed(**{**vars(comments[-1]), "is_pending": True})
        yield comments


# The mixed load (bench/mixed.py): articles with this many comments each (6
# threads, 4 replies), read as often as their Zipf rank says.
MIXED_ARTICLES, MIXED_COMMENTS, MIXED_ROOTS = 1_000, 10, 6


def mixed_article(number):
    return f"bench/mixed/{number:04d}"


def mixed_dataset():
    """The mixed load's articles, one list of comments at a time (10,000 comments)."""
    for number in range(MIXED_ARTICLES):
        yield article_comments(mixed_article(number), MIXED_COMMENTS, MIXED_ROOTS, number)


def post_body(number):
    """Body of the POST scenarios (the wrk script appends a unique suffix)."""
    return bodies()[number % BODY_VARIANTS]
