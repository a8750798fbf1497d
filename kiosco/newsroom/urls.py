from django.urls import path, re_path

from kiosco.newsroom import feeds, views

app_name = "newsroom"
# The fixed paths come first: section and article paths match any slug (so no section
# may be called "search", "authors" or "feeds").
urlpatterns = [
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_index, name="sitemap"),
    # <section> here is a key of SITEMAPS (front, sections, articles), not a newsroom
    # section; Django's view serves its page ?p=N and answers 404 past the last.
    path("sitemap-<slug:section>.xml", views.sitemap_page, name="sitemap-section"),
    path("feeds/rss.xml", feeds.EditionFeed(), name="feed-rss"),
    path("feeds/atom.xml", feeds.EditionAtomFeed(), name="feed-atom"),
    path("feeds/<slug:section>/rss.xml", feeds.SectionFeed(), name="section-feed-rss"),
    path("feeds/<slug:section>/atom.xml", feeds.SectionAtomFeed(), name="section-feed-atom"),
    path("feeds/authors/<slug:author>/rss.xml", feeds.AuthorFeed(), name="author-feed-rss"),
    path("search/", views.search_page, name="search"),
    # Uploaded images and renditions, for the embedded shape (production: the proxy).
    re_path(r"^media/(?P<path>.+)$", views.media_file, name="media"),
    path("authors/<slug:author>/", views.author_page, name="author"),
    path("", views.front_page, name="front"),
    path("<slug:section>/", views.section_page, name="section"),
    path("<slug:section>/<slug:slug>/", views.article_page, name="article"),
]
