window.HANDBOOK_SEARCH_INDEX = {"version": 2, "shards": ["search-index/0.js"]};
