from atlas_registry.cli import main

main()
