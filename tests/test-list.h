/* Every test, once. CMake reads the TEST_ENTRY lines to register each with ctest. */
#define TEST_LIST(TEST_ENTRY)                \
    TEST_ENTRY(api_version)                  \
    TEST_ENTRY(api_open_close)               \
    TEST_ENTRY(api_exec_callback)            \
    TEST_ENTRY(api_prepared)                 \
    TEST_ENTRY(api_bad_input)                \
    TEST_ENTRY(api_close_with_statements)    \
    TEST_ENTRY(api_options)                  \
    TEST_ENTRY(memory_routing)               \
    TEST_ENTRY(memory_close_returns_memory)  \
    TEST_ENTRY(memory_open_close_cycles)     \
    TEST_ENTRY(memory_limit)                 \
    TEST_ENTRY(memory_many_handles)          \
    TEST_ENTRY(files_shared_file)            \
    TEST_ENTRY(files_shared_file_wal)        \
    TEST_ENTRY(threads_own_handles)          \
    TEST_ENTRY(threads_shared_handle)        \
    TEST_ENTRY(options_enumeration)          \
    TEST_ENTRY(options_sql_set)              \
    TEST_ENTRY(options_values)               \
    TEST_ENTRY(options_memory_limit_rollback) \
    TEST_ENTRY(options_decay)                \
    TEST_ENTRY(options_flush_threshold)      \
    TEST_ENTRY(options_bulk_flush_threshold) \
    TEST_ENTRY(options_nodump)               \
    TEST_ENTRY(options_background_threads)   \
    TEST_ENTRY(options_max_background_threads) \
    TEST_ENTRY(options_environment)          \
    TEST_ENTRY(options_memory_table)         \
    TEST_ENTRY(options_without_jemalloc)     \
    TEST_ENTRY(faults_every_allocation)      \
    TEST_ENTRY(misuse_finalized_statement)   \
    TEST_ENTRY(misuse_null_arguments)        \
    TEST_ENTRY(misuse_absurd_options)        \
    TEST_ENTRY(misuse_huge_and_invalid_sql)  \
    TEST_ENTRY(limits_property)              \
    TEST_ENTRY(concurrency_handles_threads_options)
