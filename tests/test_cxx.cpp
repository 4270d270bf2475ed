// test_cxx.cpp: the public header from C++ (built with -Wall -Wextra -Wpedantic -Werror): the
// one-word struct name, lambdas as user functions, a C++ object as user data.
#include <duckcore.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            std::fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #cond); \
            std::exit(1);                                                        \
        }                                                                        \
    } while (0)

namespace {

struct Prefix {
    std::string text;
    int *destroyed;
};

int64_t query_int(db_handle *h, const char *sql) {
    db_stmt *s = nullptr;
    CHECK(db_prepare(h, sql, &s, nullptr) == DB_OK);
    if (db_step(s) != DB_ROW) {
        std::fprintf(stderr, "%s: %s\n", sql, db_errmsg(h));
        std::exit(1);
    }
    int64_t v = db_column_int64(s, 0);
    CHECK(db_finalize(s) == DB_OK);
    return v;
}

} // namespace

int main() {
    CHECK(db_complete("SELECT 1;") == 1);
    CHECK(std::strcmp(db_errname(DB_NOMEM), "DB_NOMEM") == 0);

    db_handle *h = nullptr;
    CHECK(db_open(nullptr, &h) == DB_OK);

    // The struct in one word (db_memory_stats alone names the function in C++).
    db_memory_stats_t st{};
    st.struct_size = sizeof st;
    CHECK(db_memory_stats(h, &st) == DB_OK);
    CHECK(st.allocated > 0);
    struct db_memory_stats tagged{};
    tagged.struct_size = sizeof tagged;
    CHECK(db_memory_stats(nullptr, &tagged) == DB_OK);
    CHECK(tagged.allocated >= st.allocated);
    CHECK(db_memory_stats_field_count() == static_cast<int>(sizeof st / sizeof st.allocated) - 1);

    // A scalar function: a lambda, with a C++ object as user data that its destructor deletes.
    int destroyed = 0;
    auto *prefix = new Prefix{"duck", &destroyed};
    CHECK(db_create_function(
              h, "prefixed", 1, DB_DETERMINISTIC | DB_INNOCUOUS, prefix,
              [](db_context *ctx, int, db_value **argv) {
                  const Prefix *p = static_cast<const Prefix *>(db_user_data(ctx));
                  const char *arg = db_value_text(argv[0]);
                  if (!arg) {
                      db_result_null(ctx);
                      return;
                  }
                  std::string out = p->text + arg;
                  db_result_text(ctx, out.data(), static_cast<int>(out.size()));
              },
              nullptr, nullptr,
              [](void *p) {
                  Prefix *prefix = static_cast<Prefix *>(p);
                  ++*prefix->destroyed;
                  delete prefix;
              }) == DB_OK);
    CHECK(query_int(h, "SELECT prefixed('core') = 'duckcore'") == 1);

    // An aggregate: the group's state in the engine's memory.
    struct State {
        int64_t product;
        int seen;
    };
    CHECK(db_create_function(
              h, "product", 1, 0, nullptr, nullptr,
              [](db_context *ctx, int, db_value **argv) {
                  State *s = static_cast<State *>(db_aggregate_context(ctx, sizeof(State)));
                  if (!s) {
                      db_result_nomem(ctx);
                      return;
                  }
                  if (!s->seen) s->product = 1, s->seen = 1;
                  s->product *= db_value_int64(argv[0]);
              },
              [](db_context *ctx) {
                  State *s = static_cast<State *>(db_aggregate_context(ctx, 0));
                  if (s) db_result_int64(ctx, s->product);
                  else db_result_error(ctx, "product of nothing", -1);
              },
              nullptr) == DB_OK);
    CHECK(db_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES (2), (3), (7)", nullptr, nullptr) ==
          DB_OK);
    CHECK(query_int(h, "SELECT product(x) FROM t") == 42);
    CHECK(db_exec(h, "SELECT product(x) FROM t WHERE 0", nullptr, nullptr) == DB_ERROR);
    CHECK(std::strcmp(db_errmsg(h), "product of nothing") == 0);

    CHECK(destroyed == 0);
    CHECK(db_close(h) == DB_OK);
    CHECK(destroyed == 1);
    std::printf("C++: header, db_memory_stats_t and user functions ok\n");
    return 0;
}
