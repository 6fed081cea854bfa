"""The demo article `commentq run` seeds: commentq's own words, not the test fixture's."""

DEMO_ARTICLE = {
    "title": "Welcome to commentq",
    "body": (
        "This is a demo article served by commentq, the comment moderation service behind this page.\n\n"
        "Leave a comment below. A worker checks it within a second: plain, friendly comments are "
        "published at once; a comment with two or more links waits for a moderator at /moderation; "
        "obvious spam is rejected.\n\n"
        "Your email address is never published."
    ),
}
