"""The corpus the record-parser templates are learned from (benchmarks.learned_templates).

Eight parsers of one house shape. None of them is a task of the benchmark's family: the
benchmark checks that no task's function is defined here.
"""


def parse_book(data: dict) -> dict:
    """Check a book record and return it normalised."""
    if not isinstance(data, dict):
        raise ValueError("book must be a dict")
    missing = [key for key in ("title", "author", "year") if key not in data]
    if missing:
        raise ValueError(f"book is missing {', '.join(missing)}")
    return {
        "title": str(data["title"]).strip(),
        "author": str(data["author"]).strip(),
        "year": int(data["year"]),
    }


def parse_movie(data: dict) -> dict:
    """Check a movie record and return it normalised."""
    if not isinstance(data, dict):
        raise ValueError("movie must be a dict")
    missing = [key for key in ("title", "minutes", "rating") if key not in data]
    if missing:
        raise ValueError(f"movie is missing {', '.join(missing)}")
    return {
        "title": str(data["title"]).strip(),
        "minutes": int(data["minutes"]),
        "rating": float(data["rating"]),
    }


def parse_song(data: dict) -> dict:
    """Check a song record and return it normalised."""
    if not isinstance(data, dict):
        raise ValueError("song must be a dict")
    missing = [key for key in ("artist", "title", "seconds") if key not in data]
    if missing:
        raise ValueError(f"song is missing {', '.join(missing)}")
    return {
        "artist": str(data["artist"]).strip(),
        "title": str(data["title"]).strip(),
        "seconds": int(data["seconds"]),
    }


def parse_city(data: dict) -> dict:
    """Check a city record and return it normalised."""
    if not isinstance(data, dict):
        raise ValueError("city must be a dict")
    missing = [key for key in ("name", "country", "population") if key not in data]
    if missing:
        raise ValueError(f"city is missing {', '.join(missing)}")
    return {
        "name": str(data["name"]).strip(),
        "country": str(data["country"]).strip().upper(),
        "population": int(data["population"]),
    }


def parse_product(data: dict) -> dict:
    """Check a product record and return it normalised."""
    if not isinstance(data, dict):
        raise ValueError("product must be a dict")
    missing = [key for key in ("sku", "name", "price") if key not in data]
    if missing:
        raise ValueError(f"product is missing {', '.join(missing)}")
    return {
        "sku": str(data["sku"]).strip().upper(),
        "name": str(data["name"]).strip(),
        "price": float(data["price"]),
    }


def parse_course(data: dict) -> dict:
    """Check a course record and return it normalised."""
    if not isinstance(data, dict):
        raise ValueError("course must be a dict")
    missing = [key for key in ("code", "title", "credits") if key not in data]
    if missing:
        raise ValueError(f"course is missing {', '.join(missing)}")
    return {
        "code": str(data["code"]).strip().upper(),
        "title": str(data["title"]).strip(),
        "credits": int(data["credits"]),
    }


def parse_recipe(data: dict) -> dict:
    """Check a recipe record and return it normalised."""
    if not isinstance(data, dict):
        raise ValueError("recipe must be a dict")
    missing = [key for key in ("name", "servings", "cuisine") if key not in data]
    if missing:
        raise ValueError(f"recipe is missing {', '.join(missing)}")
    return {
        "name": str(data["name"]).strip(),
        "servings": int(data["servings"]),
        "cuisine": str(data["cuisine"]).strip().lower(),
    }


def parse_planet(data: dict) -> dict:
    """Check a planet record and return it normalised."""
    if not isinstance(data, dict):
        raise ValueError("planet must be a dict")
    missing = [key for key in ("name", "moons", "mass") if key not in data]
    if missing:
        raise ValueError(f"planet is missing {', '.join(missing)}")
    return {
        "name": str(data["name"]).strip(),
        "moons": int(data["moons"]),
        "mass": float(data["mass"]),
    }
