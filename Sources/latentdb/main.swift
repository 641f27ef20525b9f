print("latentdb")
