from features.sources import client_features_source
from features.views._build import numeric_view
from features.views.mart_contract import windowed

client_transcripts = numeric_view(
    "client_transcripts",
    client_features_source,
    windowed("transcripts"),
    "How often each need came up in advisor calls and chats (counts only, never the text).",
    "data-science",
)
