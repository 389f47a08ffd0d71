"""Names: people, schools, local districts, and the Git usernames made from people's names.

Realistic and varied (the demo is read by people), and all plain data: the random choices among them are
made by the callers, from the district's one seeded random generator.
"""

from __future__ import annotations

import random
import re
import unicodedata

FIRST_NAMES = (
    # Latino
    "María", "José", "Juan", "Carlos", "Luis", "Ana", "Sofía", "Alejandro", "Guadalupe", "Rosa", "Miguel",
    "Jorge", "Verónica", "Adriana", "Ricardo", "Fernando", "Gabriela", "Daniela", "Javier", "Francisco",
    "Marisol", "Alma", "Esperanza", "Ramón", "Yesenia", "Itzel", "Xóchitl", "Diego", "Lucía", "Camila",
    "Valeria", "Mateo", "Santiago", "Elena", "Teresa", "Patricia", "Raúl", "Héctor", "Norma", "Leticia",
    "Arturo", "Ignacio", "Beatriz", "Pilar", "Marcos", "Claudia", "Rocío", "Joaquín", "Graciela", "Rubén",
    # Anglo / European
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
    "Mary", "Jennifer", "Linda", "Elizabeth", "Susan", "Jessica", "Sarah", "Karen", "Nancy", "Lisa",
    "Margaret", "Emily", "Rachel", "Laura", "Megan", "Kevin", "Brian", "Jason", "Matthew", "Andrew",
    "Ryan", "Eric", "Stephen", "Timothy", "Amanda", "Melissa", "Rebecca", "Katherine", "Heather",
    "Allison", "Caroline", "Hannah", "Olivia", "Ethan", "Nathan", "Benjamin", "Samuel", "Claire", "Siobhan",
    "Declan", "Ingrid", "Lars", "Giulia", "Marco", "Francesca", "Olga", "Dmitri", "Svetlana", "Ivan",
    # African American
    "Darnell", "Jamal", "Keisha", "Latoya", "Tanisha", "Marcus", "Andre", "DeShawn", "Imani", "Aaliyah",
    "Jasmine", "Tyrone", "Malik", "Ebony", "Kiara", "Terrence", "Monique", "Jerome", "Denise", "Cedric",
    # East, South and Southeast Asian
    "Wei", "Mei", "Jun", "Hiroshi", "Yuki", "Kenji", "Akiko", "Min-jun", "Ji-woo", "Seo-yeon", "Hyun",
    "Soo-jin", "Thanh", "Linh", "Minh", "Huong", "Duc", "Anh", "Priya", "Arjun", "Ravi", "Ananya",
    "Sanjay", "Deepa", "Vikram", "Rohan", "Xin", "Ming", "Jia", "Hao", "Maricel", "Rodel", "Jocelyn",
    "Arnel", "Rowena", "Liza",
    # Armenian, Middle Eastern, African, Pacific Islander
    "Armen", "Ani", "Narine", "Tigran", "Lusine", "Aram", "Gohar", "Vahe", "Omar", "Fatima", "Layla",
    "Yusuf", "Nadia", "Karim", "Samir", "Leila", "Rania", "Tariq", "Aisha", "Chinonso", "Adaeze",
    "Oluwaseun", "Kwame", "Abebe", "Tsion", "Noa", "Kalani", "Leilani", "Keanu",
)

LAST_NAMES = (
    "Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez", "Ramirez",
    "Torres", "Flores", "Rivera", "Gomez", "Diaz", "Reyes", "Morales", "Cruz", "Ortiz", "Gutierrez",
    "Chavez", "Ramos", "Ruiz", "Alvarez", "Mendoza", "Castillo", "Jimenez", "Vasquez", "Moreno", "Romero",
    "Herrera", "Medina", "Aguilar", "Vargas", "Castro", "Guzman", "Fernandez", "Juarez", "Mendez",
    "Salazar", "Soto", "Delgado", "Peña", "Rios", "Contreras", "Sandoval", "Estrada", "Navarro",
    "Cervantes", "Ochoa", "Campos", "Valenzuela", "Muñoz", "Ibarra", "Zamora", "Velásquez", "Orozco",
    "Villanueva", "Cortez", "Espinoza", "Fuentes", "Maldonado", "Figueroa", "Ayala", "Cabrera", "Lara",
    "Montoya", "Barajas", "Solís", "Rosales", "Arellano", "Quintero", "Pacheco", "Trujillo",
    "García-López", "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark",
    "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
    "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker",
    "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper",
    "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ward", "Brooks", "Bennett", "Gray", "Hughes",
    "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell",
    "Sullivan", "Bell", "Coleman", "Butler", "Henderson", "Barnes", "Fisher", "Henry", "Graham",
    "Wallace", "Hayes", "Washington", "Freeman", "Webb", "Simmons", "Owens", "Jefferson", "Dixon",
    "O'Brien", "McCarthy", "Fitzgerald", "Kowalski", "Novak", "Schmidt", "Becker", "Larsen", "Lindqvist",
    "Rossi", "Romano", "Esposito", "Costa", "Silva", "Santos", "Oliveira", "Pereira", "Ivanova", "Volkov",
    "Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang", "Bui", "Ngo", "Kim", "Lee", "Park", "Choi",
    "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Wang", "Li", "Zhang", "Liu", "Chen", "Yang",
    "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Lin", "Chang", "Wong", "Chan", "Leung", "Tanaka",
    "Suzuki", "Takahashi", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi", "Sato", "Ito", "Patel",
    "Shah", "Singh", "Kumar", "Sharma", "Gupta", "Reddy", "Iyer", "Rao", "Mehta", "Desai", "Dela Cruz",
    "Bautista", "Mercado", "Aquino", "Pascual", "Manalo", "Domingo", "Petrosyan", "Sargsyan", "Hakobyan",
    "Grigoryan", "Avetisyan", "Karapetyan", "Harutyunyan", "Manukyan", "Haddad", "Khalil", "Nasser",
    "Saleh", "Mansour", "Farah", "Rahimi", "Karimi", "Hosseini", "Ahmadi", "Okafor", "Adeyemi", "Mensah",
    "Okonkwo", "Tesfaye", "Bekele", "Haile", "Begay", "Yazzie", "Tsosie", "Kahananui", "Akana",
)

NAME_STEMS_PEOPLE = (
    "Lincoln", "Garfield", "Roosevelt", "Jefferson", "Washington", "Madison", "Monroe", "Jackson", "Grant",
    "Hamilton", "Franklin", "Kennedy", "Wilson", "Adams", "Cleveland", "McKinley", "Coolidge", "Hoover",
    "Truman", "Eisenhower", "Polk", "Taft", "Carver", "Douglass", "Tubman", "Bethune", "Parks", "Marshall",
    "Earhart", "Muir", "Steinbeck", "Emerson", "Thoreau", "Whitman", "Twain", "Dickinson", "Hughes",
    "Frost", "Sandburg", "Burbank", "Ride", "Ochoa", "Fremont", "Bancroft", "Audubon", "Edison", "Curie",
    "Huerta", "Chavez", "Mendez", "Sotomayor", "Kahlo", "Rivera", "Salazar", "Yamada", "Korematsu",
    "Inouye", "Mineta", "Bradley", "Robinson", "Baldwin", "Ellington", "Armstrong", "Angelou", "Morrison",
    "Keller", "Addams", "Anthony", "Stanton", "Nightingale", "Pasteur", "Galileo", "Newton", "Darwin",
    "Hawking", "Sagan", "Goodall", "Carson", "Chisholm", "Jordan", "Obama", "Lewis", "Evers", "Abbott",
    "Marquez", "Neruda", "Mistral", "Paz", "Cortines", "Estrada", "Vasconcelos", "Serrano", "Ramona",
    "Alcott", "Hawthorne", "Irving", "Longfellow", "Poe", "London", "Saroyan", "Bunche", "Drew", "Banneker",
)

NAME_STEMS_STREETS = (
    "Figueroa", "Vermont", "Western", "Normandie", "Hoover", "Olive", "Maple", "Sunset", "Main", "Broadway",
    "Alvarado", "Pico", "Olympic", "Crenshaw", "Manchester", "Florence", "Slauson", "Vernon", "Adams",
    "Jefferson", "Washington", "Venice", "Sepulveda", "Van Nuys", "Reseda", "Topanga", "Victory",
    "Sherman", "Roscoe", "Nordhoff", "Devonshire", "Chatsworth", "Lankershim", "Laurel", "Cahuenga",
    "Vineland", "Colfax", "Whitsett", "Fulton", "Hazeltine", "Woodman", "Tujunga", "Foothill", "Glenoaks",
    "Soto", "Cesar Chavez", "Whittier", "Atlantic", "Eastern", "Mission", "Huntington", "Valley", "York",
    "Colorado", "Eagle", "Avalon", "Central", "Compton", "Wilmington", "Gaffey", "Pacific", "Anaheim",
    "Harbor", "Vista", "Oak", "Cedar", "Elm", "Pine", "Walnut", "Sycamore", "Magnolia", "Juniper",
    "Orchard", "Hillside", "Canyon", "Ridge", "Meadow", "Lake", "Bay", "Mesa", "Palm", "Cypress",
)

NAME_STEMS_PLACES = (
    "Riverside", "Lakeview", "Hillcrest", "Valley View", "Oak Park", "Cedar Grove", "Willow Creek",
    "Sierra Vista", "Bay View", "Mountain View", "Mesa Verde", "Palm Crest", "Sunrise", "Rosewood",
    "Elmwood", "Pinecrest", "Fairview", "Highland Park", "Echo Park", "Eagle Rock", "Glen Oaks",
    "Vista del Mar", "Los Robles", "Las Palmas", "El Sereno", "Buena Vista", "Arroyo Seco", "Canoga Park",
    "Sun Valley", "Granada Hills", "Porter Ranch", "Woodland Hills", "Boyle Heights", "Lincoln Heights",
    "Cypress Park", "Mount Washington", "Atwater", "Los Feliz", "Silver Lake", "Westchester", "Playa",
    "Palisades", "Brentwood", "Encino", "Tarzana", "Northridge", "Pacoima", "Sylmar", "Sunland",
    "Tujunga Hills", "Harbor City", "San Pedro", "Wilmington Park", "Watts", "Florence Park", "Huntington",
    "Maywood", "Bell Gardens", "Vernon Heights", "Hyde Park", "Baldwin Hills", "View Park", "Leimert",
)

ORDINALS_UNITS = ("", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth")
TEENS = ("Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth",
         "Seventeenth", "Eighteenth", "Nineteenth")
TENS = ("", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety")
TENS_ORD = ("", "", "Twentieth", "Thirtieth", "Fortieth", "Fiftieth", "Sixtieth", "Seventieth",
            "Eightieth", "Ninetieth")


def ordinal_words(n: int) -> str:
    """1..119 as words: 68 -> 'Sixty-Eighth', 112 -> 'One Hundred Twelfth'."""
    prefix = ""
    if n >= 100:
        prefix, n = "One Hundred ", n - 100
        if n == 0:
            return "One Hundredth"
    if n < 10:
        word = ORDINALS_UNITS[n]
    elif n < 20:
        word = TEENS[n - 10]
    elif n % 10 == 0:
        word = TENS_ORD[n // 10]
    else:
        word = f"{TENS[n // 10]}-{ORDINALS_UNITS[n % 10]}"
    return prefix + word


def school_stems(rng: random.Random) -> list[str]:
    """School name stems in the order one level uses them: mostly people and places, then streets."""
    streets: list[str] = []
    for street in NAME_STEMS_STREETS:
        streets += [f"{street} Avenue", f"{street} Street"]
    streets += [f"{ordinal_words(n)} Street" for n in range(1, 120)]
    streets += [f"{ordinal_words(n)} Avenue" for n in range(1, 120)]
    pools = [rng.sample(kind, len(kind)) for kind in (NAME_STEMS_PEOPLE, NAME_STEMS_PLACES, streets)]
    weights = [0.6, 0.2, 0.2]
    stems: dict[str, None] = {}
    while any(pools):
        live = [i for i, pool in enumerate(pools) if pool]
        pool = pools[rng.choices(live, [weights[i] for i in live])[0]]
        stems.setdefault(pool.pop(), None)
    return list(stems)


LEVEL_SUFFIX = {
    "elementary": "Elementary School",
    "middle": "Middle School",
    "high": "High School",
    "span": "Span School",
}

CLUSTER_NAMES = ("North", "South", "Central", "East", "West", "Northeast", "Northwest", "Southeast",
                 "Southwest", "Harbor")
LD_CODES = {"North": "N", "South": "S", "Central": "C", "East": "E", "West": "W", "Northeast": "NE",
            "Northwest": "NW", "Southeast": "SE", "Southwest": "SW", "Harbor": "H"}

NON_GRANT_POSITIONS = ("Custodian", "Teacher Assistant", "Campus Aide", "Cafeteria Worker",
                       "Special Education Assistant", "Plant Manager", "Library Aide",
                       "Building and Grounds Worker", "Teacher Assistant", "Custodian")


def slug(text: str) -> str:
    """'Local District North' -> 'local-district-north'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def ascii_slug(text: str) -> str:
    """'Peña' -> 'pena': the letters and digits of a name, as a Git username may hold them."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", text.lower())
