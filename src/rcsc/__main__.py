from rcsc.cli.main import main

main()
