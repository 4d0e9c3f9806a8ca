# The design's backend models (SQLAlchemy there). Its connector imports Permission without using it; this stand-in
# lets that import work unchanged.
class Permission:
    pass
