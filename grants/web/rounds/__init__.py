"""Rounds (赛事): the public list and page of each round; organisers create and edit them."""
