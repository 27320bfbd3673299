def cargar_demo(contexto) -> list[str]:
    return []
