from scaling.cli import main

main(prog_name="scaling")
