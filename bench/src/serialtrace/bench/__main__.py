from serialtrace.bench.cli import main

main()
